#include "storage_api/kv.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "storage_api/json_request.h"
#include "storage_api/py_json_writer.h"
#include "storage_api/py_repr.h"

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

constexpr std::string_view kNotObject = "Unexpected error occurred";
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

ErrorReply Missing(std::string_view field) {
  return {ErrorCode::kMissingField, "Required field '" + std::string(field) + "' is missing"};
}

ErrorReply Invalid(std::string message) {
  return {ErrorCode::kValidationError, std::move(message)};
}

// plugin_name and key: missing when falsy (Python's `if not x`).
std::optional<ErrorReply> TruthyField(const JsonRequest& request, std::string_view field,
                                      std::optional<Element>* out) {
  *out = request.Get(field);
  if (!*out || !PyTruthy(**out)) return Missing(field);
  return std::nullopt;
}

// The original binds whatever JSON gave; roseyd keeps keys text.
std::optional<ErrorReply> AsText(std::string_view field, Element value, std::string* out) {
  if (!IsString(value)) {
    return Invalid("Field '" + std::string(field) + "' must be a string, got " +
                   std::string(PyTypeName(value)));
  }
  out->assign(StringOf(value));
  return std::nullopt;
}

// Adds without overflow: the far future stays the far future.
int64_t SaturatingAdd(int64_t a, double b) {
  const double sum = static_cast<double>(a) + b;
  return sum >= 9.2e18 ? kInt64Max : static_cast<int64_t>(sum);
}

std::variant<KvKey, ErrorReply> DecodeKey(std::string_view payload) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, kNotObject, &request)) return *error;
  std::optional<Element> plugin, key;
  if (auto error = TruthyField(request, "plugin_name", &plugin)) return *error;
  if (auto error = TruthyField(request, "key", &key)) return *error;
  KvKey command;
  if (auto error = AsText("plugin_name", *plugin, &command.plugin_name)) return *error;
  if (auto error = AsText("key", *key, &command.key)) return *error;
  return command;
}

void WriteSuccessData(PyJsonWriter* out) {
  out->BeginObject();
  out->Key("success");
  out->Bool(true);
  out->Key("data");
}

// Python's json.loads reads NaN, Infinity and -Infinity, and json.dumps
// writes them: a value the original stored may hold them. Outside strings
// they become null; *replaced counts them.
std::string WithoutNonFiniteLiterals(std::string_view text, size_t* replaced) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < text.size()) {
        out.push_back(text[i + 1]);
        i += 2;
        continue;
      }
      in_string = c != '"';
      ++i;
      continue;
    }
    bool matched = false;
    for (std::string_view literal : {"-Infinity", "Infinity", "NaN"}) {
      if (text.substr(i, literal.size()) == literal) {
        out.append("null");
        i += literal.size();
        ++*replaced;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    in_string = c == '"';
    out.push_back(c);
    ++i;
  }
  return out;
}

}  // namespace

std::variant<KvSet, ErrorReply> DecodeKvSet(std::string_view payload, int64_t now) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, kNotObject, &request)) return *error;
  std::optional<Element> plugin, key;
  if (auto error = TruthyField(request, "plugin_name", &plugin)) return *error;
  if (auto error = TruthyField(request, "key", &key)) return *error;
  const std::optional<Element> value = request.Get("value");
  if (!value) return Missing("value");

  KvSet command;
  PyJsonWriter json;
  WritePyJson(*value, &json);
  command.value_json = json.Take();
  if (command.value_json.size() > kKvMaxValueBytes) {
    return ErrorReply{ErrorCode::kValueTooLarge, "Value size (" +
                                                     std::to_string(command.value_json.size()) +
                                                     " bytes) exceeds 64KB limit (65536 bytes)"};
  }

  // expires_at = int(time.time()) + ttl when ttl > 0. A fractional ttl is
  // rounded up, so the key lives at least as long as in the original.
  if (const std::optional<Element> ttl = request.Get("ttl_seconds")) {
    double seconds = 0;
    switch (ttl->type()) {
      case Type::NULL_VALUE:
        break;
      case Type::BOOL:
        seconds = ttl->get_bool().value_unsafe() ? 1 : 0;
        break;
      case Type::INT64:
        seconds = static_cast<double>(ttl->get_int64().value_unsafe());
        break;
      case Type::UINT64:
        seconds = static_cast<double>(ttl->get_uint64().value_unsafe());
        break;
      case Type::DOUBLE:
        seconds = std::ceil(ttl->get_double().value_unsafe());
        break;
      default:
        return Invalid("Field 'ttl_seconds' must be a number or null, got " +
                       std::string(PyTypeName(*ttl)));
    }
    if (seconds > 0) command.expires_at = SaturatingAdd(now, seconds);
  }
  if (auto error = AsText("plugin_name", *plugin, &command.plugin_name)) return *error;
  if (auto error = AsText("key", *key, &command.key)) return *error;
  return command;
}

std::variant<KvKey, ErrorReply> DecodeKvGet(std::string_view payload) { return DecodeKey(payload); }

std::variant<KvKey, ErrorReply> DecodeKvDelete(std::string_view payload) {
  return DecodeKey(payload);
}

std::variant<KvList, ErrorReply> DecodeKvList(std::string_view payload) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, kNotObject, &request)) return *error;
  std::optional<Element> plugin;
  if (auto error = TruthyField(request, "plugin_name", &plugin)) return *error;
  KvList command;
  if (auto error = AsText("plugin_name", *plugin, &command.plugin_name)) return *error;
  // f'{prefix}%' when truthy: str() of whatever was sent.
  if (const std::optional<Element> prefix = request.Get("prefix"); prefix && PyTruthy(*prefix)) {
    command.prefix = PyStr(*prefix);
  }
  if (const std::optional<Element> limit = request.Get("limit")) {
    switch (limit->type()) {
      case Type::NULL_VALUE:
        break;
      case Type::BOOL:
        command.limit = limit->get_bool().value_unsafe() ? 1 : 0;
        break;
      case Type::INT64:
        command.limit = limit->get_int64().value_unsafe();
        break;
      case Type::UINT64:
        command.limit = kInt64Max - 1;
        break;
      default:
        return Invalid("Field 'limit' must be an integer, got " + std::string(PyTypeName(*limit)));
    }
  }
  if (command.limit < 0) command.limit = 0;
  if (command.limit == kInt64Max) command.limit = kInt64Max - 1;  // room for limit+1
  return command;
}

namespace {

// The upsert's text, the same for every key.
std::string KvSetSql(Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql(
         "INSERT INTO plugin_kv_storage (plugin_name, \"key\", value_json, expires_at, "
         "created_at, updated_at) VALUES (")
      .Param({})
      .Sql(", ")
      .Param({})
      .Sql(", ")
      .Param({})
      .Sql(", ")
      .Param({})
      .Sql(", ")
      .Param({})
      .Sql(", ")
      .Param({})
      .Sql(
          ") ON CONFLICT (plugin_name, \"key\") DO UPDATE SET value_json = excluded.value_json, "
          "expires_at = excluded.expires_at, updated_at = excluded.updated_at");
  return std::move(sql).Build().sql;
}

}  // namespace

// kv.set is the hot write (50,000/s): its text is built once per dialect.
Statement KvSetStatement(const KvSet& command, int64_t now, Dialect dialect) {
  static const std::string kSqlite = KvSetSql(Dialect::kSqlite);
  static const std::string kPostgres = KvSetSql(Dialect::kPostgres);
  return Statement{dialect == Dialect::kPostgres ? kPostgres : kSqlite,
                   {command.plugin_name, command.key, command.value_json,
                    command.expires_at ? SqlValue(*command.expires_at) : SqlValue(), now, now}};
}

Statement KvGetStatement(const KvKey& command, int64_t now, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("SELECT value_json FROM plugin_kv_storage WHERE plugin_name = ")
      .Param(command.plugin_name)
      .Sql(" AND \"key\" = ")
      .Param(command.key)
      .Sql(" AND (expires_at IS NULL OR expires_at > ")
      .Param(now)
      .Sql(")");
  return std::move(sql).Build();
}

Statement KvDeleteStatement(const KvKey& command, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("DELETE FROM plugin_kv_storage WHERE plugin_name = ")
      .Param(command.plugin_name)
      .Sql(" AND \"key\" = ")
      .Param(command.key);
  return std::move(sql).Build();
}

Statement KvListStatement(const KvList& command, int64_t now, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("SELECT \"key\" FROM plugin_kv_storage WHERE plugin_name = ")
      .Param(command.plugin_name)
      .Sql(" AND (expires_at IS NULL OR expires_at > ")
      .Param(now)
      .Sql(")");
  if (!command.prefix.empty()) {
    // A byte range keeps the prefix literal (no LIKE wildcards, no case
    // folding) and uses the (plugin_name, key) index. The upper bound is the
    // prefix with its last byte raised, after dropping 0xFF bytes, which no
    // longer bound anything.
    // In byte order on PostgreSQL too, whatever the database's collation.
    const char* key =
        dialect == Dialect::kPostgres ? " AND \"key\" COLLATE \"C\"" : " AND \"key\"";
    sql.Sql(key).Sql(" >= ").Param(command.prefix);
    std::string upper = command.prefix;
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xFF) upper.pop_back();
    if (!upper.empty()) {
      upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
      sql.Sql(key).Sql(" < ").Param(upper);
    }
  }
  sql.Sql(dialect == Dialect::kPostgres ? " ORDER BY \"key\" COLLATE \"C\" LIMIT "
                                        : " ORDER BY \"key\" LIMIT ")
      .Param(command.limit + 1);
  return std::move(sql).Build();
}

Statement KvPurgeStatement(int64_t now, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("DELETE FROM plugin_kv_storage WHERE expires_at IS NOT NULL AND expires_at < ")
      .Param(now);
  return std::move(sql).Build();
}

std::string RenderKvSetReply() {
  PyJsonWriter out;
  WriteSuccessData(&out);
  out.BeginObject();
  out.EndObject();
  out.EndObject();
  return out.Take();
}

std::string RenderKvGetReply(const std::optional<std::string>& value_json, size_t* non_finite) {
  if (non_finite != nullptr) *non_finite = 0;
  PyJsonWriter out;
  WriteSuccessData(&out);
  out.BeginObject();
  out.Key("exists");
  std::optional<std::string> strict;
  if (value_json && !nlohmann::json::accept(*value_json)) {
    size_t replaced = 0;
    strict = WithoutNonFiniteLiterals(*value_json, &replaced);
    if (replaced > 0 && nlohmann::json::accept(*strict)) {
      if (non_finite != nullptr) *non_finite = replaced;
    } else {
      strict.reset();
    }
  }
  const bool exists = value_json && (strict || nlohmann::json::accept(*value_json));
  out.Bool(exists);
  if (exists) {
    out.Key("value");
    out.Raw(strict ? *strict : *value_json);
  }
  out.EndObject();
  out.EndObject();
  return out.Take();
}

std::string RenderKvDeleteReply(bool deleted) {
  PyJsonWriter out;
  WriteSuccessData(&out);
  out.BeginObject();
  out.Key("deleted");
  out.Bool(deleted);
  out.EndObject();
  out.EndObject();
  return out.Take();
}

std::string RenderKvListReply(const std::vector<std::string>& keys, int64_t limit) {
  const size_t shown = std::min(keys.size(), static_cast<size_t>(std::max<int64_t>(limit, 0)));
  PyJsonWriter out;
  WriteSuccessData(&out);
  out.BeginObject();
  out.Key("keys");
  out.BeginArray();
  for (size_t i = 0; i < shown; ++i) out.String(keys[i]);
  out.EndArray();
  out.Key("count");
  out.Int(static_cast<int64_t>(shown));
  out.Key("truncated");
  out.Bool(keys.size() > shown);
  out.EndObject();
  out.EndObject();
  return out.Take();
}

std::vector<std::string> KvTableDdl() {
  return {
      "CREATE TABLE IF NOT EXISTS plugin_kv_storage (\n"
      "\tplugin_name VARCHAR(100) NOT NULL, \n"
      "\t\"key\" VARCHAR(255) NOT NULL, \n"
      "\tvalue_json TEXT NOT NULL, \n"
      "\texpires_at INTEGER, \n"
      "\tcreated_at INTEGER NOT NULL, \n"
      "\tupdated_at INTEGER NOT NULL, \n"
      "\tPRIMARY KEY (plugin_name, \"key\")\n"
      ")",
      "CREATE INDEX IF NOT EXISTS idx_plugin_kv_expires ON plugin_kv_storage (expires_at)",
      "CREATE INDEX IF NOT EXISTS idx_plugin_kv_prefix ON plugin_kv_storage (plugin_name, "
      "\"key\")",
  };
}

}  // namespace roseyd::storage_api
