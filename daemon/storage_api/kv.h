#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage_api/error_reply.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// rosey.db.kv.{set,get,delete,list} (ROSEY_STORAGE_API.md §1): requests
// decoded into commands, the SQL that carries them out on
// plugin_kv_storage, and the replies (results nested in "data"). Times are
// Unix seconds; the caller passes the same `now` to decode and to the SQL.

inline constexpr size_t kKvMaxValueBytes = 65536;  // inclusive

// kv.set: value_json is Python's json.dumps(value), at most 65536 bytes.
struct KvSet {
  std::string plugin_name;
  std::string key;
  std::string value_json;
  std::optional<int64_t> expires_at;  // nullopt: never (ttl null or <= 0)

  bool operator==(const KvSet&) const = default;
};

// kv.get and kv.delete.
struct KvKey {
  std::string plugin_name;
  std::string key;

  bool operator==(const KvKey&) const = default;
};

// kv.list: prefix "" lists every key; it matches as a literal,
// case-sensitive byte prefix (roseyd's fix of the original's LIKE).
struct KvList {
  std::string plugin_name;
  std::string prefix;
  int64_t limit = 1000;  // >= 0; a negative request limit counts as 0

  bool operator==(const KvList&) const = default;
};

// Each decoder checks in the original's order and returns the exact error
// reply: INVALID_JSON; a non-object body (INTERNAL_ERROR "Unexpected error
// occurred"); MISSING_FIELD for a falsy plugin_name or key, and for an
// absent value. roseyd additions: a plugin_name or key that is truthy but
// not a string, a ttl_seconds or limit of the wrong type, are
// VALIDATION_ERROR (the original failed later, INTERNAL_ERROR).
std::variant<KvSet, ErrorReply> DecodeKvSet(std::string_view payload, int64_t now);
std::variant<KvKey, ErrorReply> DecodeKvGet(std::string_view payload);
std::variant<KvKey, ErrorReply> DecodeKvDelete(std::string_view payload);
std::variant<KvList, ErrorReply> DecodeKvList(std::string_view payload);

// The upsert: created_at kept on conflict, updated_at and expires_at set.
Statement KvSetStatement(const KvSet& command, int64_t now, Dialect dialect);
// SELECT value_json of a key that has not expired at `now`.
Statement KvGetStatement(const KvKey& command, int64_t now, Dialect dialect);
// DELETE of the key, expired or not; its change count is `deleted`.
Statement KvDeleteStatement(const KvKey& command, Dialect dialect);
// SELECT key of live keys in BINARY order, LIMIT limit+1.
Statement KvListStatement(const KvList& command, int64_t now, Dialect dialect);
// DELETE of every key expired before `now` (the periodic purge).
Statement KvPurgeStatement(int64_t now, Dialect dialect);

// {"success": true, "data": {}}
std::string RenderKvSetReply();
// exists true with the stored text spliced in as the value, or exists false
// when there is no live row or its text is not JSON (as the original).
// roseyd: a stored value holding Python's NaN, Infinity or -Infinity (the
// original's json.dumps wrote them) is answered with null in their place,
// *non_finite (when non-null) counting them; 0 otherwise.
std::string RenderKvGetReply(const std::optional<std::string>& value_json,
                             size_t* non_finite = nullptr);
std::string RenderKvDeleteReply(bool deleted);
// `keys` as the list statement returned them (up to limit+1).
std::string RenderKvListReply(const std::vector<std::string>& keys, int64_t limit);

// The original's DDL for plugin_kv_storage and its two indexes, with IF NOT
// EXISTS; one statement per element.
std::vector<std::string> KvTableDdl();

}  // namespace roseyd::storage_api
