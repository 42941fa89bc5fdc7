#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roseyd::storage_api {

// The 13 plugin-storage subjects, under the configured prefix ("rosey.db").
enum class StorageOp {
  kKvSet,
  kKvGet,
  kKvDelete,
  kKvList,
  kSchemaRegister,
  kRowInsert,
  kRowSelect,
  kRowUpdate,
  kRowDelete,
  kRowSearch,
  kMigrateApply,
  kMigrateRollback,
  kMigrateStatus,
};

// A subject taken apart: the operation and, for row and migrate, the
// plugin token after "row." / "migrate." (any NATS token; "" for KV, whose
// namespace is the body's plugin_name).
struct StorageSubject {
  StorageOp op;
  std::string plugin;

  bool operator==(const StorageSubject&) const = default;
};

// "<prefix>.kv.set" -> {kKvSet, ""}, "<prefix>.row.quote-db.insert" ->
// {kRowInsert, "quote-db"}, "<prefix>.row.p.schema.register", ...; nullopt
// for any other subject.
std::optional<StorageSubject> ParseStorageSubject(std::string_view prefix,
                                                  std::string_view subject);

// The subscriptions that cover the 13 subjects: the four KV subjects and
// "<prefix>.row.*.insert", "<prefix>.row.*.schema.register",
// "<prefix>.migrate.*.apply", ...
std::vector<std::string> StorageSubscriptions(std::string_view prefix);

}  // namespace roseyd::storage_api
