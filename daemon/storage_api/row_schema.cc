#include "storage_api/row_schema.h"

#include <algorithm>
#include <array>

#include "storage_api/json_request.h"
#include "storage_api/py_json_writer.h"
#include "storage_api/py_repr.h"

namespace roseyd::storage_api {

namespace {

constexpr std::string_view kNotObject = "Unexpected error";

// SQLAlchemy's SQLiteIdentifierPreparer.reserved_words.
constexpr std::array<std::string_view, 124> kReservedWords = {"add",          "after",
                                                              "all",          "alter",
                                                              "analyze",      "and",
                                                              "as",           "asc",
                                                              "attach",       "autoincrement",
                                                              "before",       "begin",
                                                              "between",      "by",
                                                              "cascade",      "case",
                                                              "cast",         "check",
                                                              "collate",      "column",
                                                              "commit",       "conflict",
                                                              "constraint",   "create",
                                                              "cross",        "current_date",
                                                              "current_time", "current_timestamp",
                                                              "database",     "default",
                                                              "deferrable",   "deferred",
                                                              "delete",       "desc",
                                                              "detach",       "distinct",
                                                              "drop",         "each",
                                                              "else",         "end",
                                                              "escape",       "except",
                                                              "exclusive",    "exists",
                                                              "explain",      "fail",
                                                              "false",        "for",
                                                              "foreign",      "from",
                                                              "full",         "glob",
                                                              "group",        "having",
                                                              "if",           "ignore",
                                                              "immediate",    "in",
                                                              "index",        "indexed",
                                                              "initially",    "inner",
                                                              "insert",       "instead",
                                                              "intersect",    "into",
                                                              "is",           "isnull",
                                                              "join",         "key",
                                                              "left",         "like",
                                                              "limit",        "match",
                                                              "natural",      "not",
                                                              "notnull",      "null",
                                                              "of",           "offset",
                                                              "on",           "or",
                                                              "order",        "outer",
                                                              "plan",         "pragma",
                                                              "primary",      "query",
                                                              "raise",        "references",
                                                              "reindex",      "rename",
                                                              "replace",      "restrict",
                                                              "right",        "rollback",
                                                              "row",          "select",
                                                              "set",          "table",
                                                              "temp",         "temporary",
                                                              "then",         "to",
                                                              "transaction",  "trigger",
                                                              "true",         "union",
                                                              "unique",       "update",
                                                              "using",        "vacuum",
                                                              "values",       "view",
                                                              "virtual",      "when",
                                                              "where"};

constexpr std::string_view kAutoColumns[] = {"id", "created_at", "updated_at"};

ErrorReply Invalid(std::string message) {
  return {ErrorCode::kValidationError, std::move(message)};
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

// ^[a-z][a-z0-9_]{0,max-1}$ without Python's allowance of a final "\n".
bool MatchesName(std::string_view name, size_t max) {
  if (name.empty() || name.size() > max || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), IsLowerAlnum);
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  static constexpr std::pair<std::string_view, FieldType> kTypes[] = {
      {"string", FieldType::kString},   {"text", FieldType::kText},
      {"integer", FieldType::kInteger}, {"float", FieldType::kFloat},
      {"boolean", FieldType::kBoolean}, {"datetime", FieldType::kDatetime}};
  for (const auto& [text, type] : kTypes) {
    if (text == name) return type;
  }
  return std::nullopt;
}

std::string_view DdlType(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "VARCHAR(255)";
    case FieldType::kText:
      return "TEXT";
    case FieldType::kInteger:
      return "INTEGER";
    case FieldType::kFloat:
      return "FLOAT";
    case FieldType::kBoolean:
      return "BOOLEAN";
    case FieldType::kDatetime:
      return "DATETIME";
  }
  return "TEXT";
}

// validate_schema (schema_registry.py:91-157), field by field, each field's
// checks in order; fills *fields on success.
std::optional<ErrorReply> ValidateSchema(Element schema, std::vector<FieldSpec>* fields) {
  if (schema.type() != simdjson::dom::element_type::OBJECT) {
    return Invalid("Schema must be a dictionary");
  }
  std::optional<Element> list;
  for (const auto& [key, value] : Members(schema)) {
    if (key == "fields") list = value;
  }
  if (!list) return Invalid("Schema must have 'fields' key");
  if (list->type() != simdjson::dom::element_type::ARRAY) return Invalid("'fields' must be a list");
  if (simdjson::dom::array(*list).size() == 0)
    return Invalid("Schema must have at least one field");
  size_t i = 0;
  for (const Element field : simdjson::dom::array(*list)) {
    const std::string index = std::to_string(i++);
    if (field.type() != simdjson::dom::element_type::OBJECT) {
      return Invalid("Field " + index + " must be a dictionary");
    }
    std::optional<Element> name, type, required;
    for (const auto& [key, value] : Members(field)) {
      if (key == "name") name = value;
      if (key == "type") type = value;
      if (key == "required") required = value;
    }
    if (!name) return Invalid("Field " + index + " missing 'name'");
    if (!type) return Invalid("Field " + index + " missing 'type'");
    if (!IsString(*name)) {
      return Invalid("Field name must be string, got " + std::string(PyTypeName(*name)));
    }
    const std::string_view field_name = StringOf(*name);
    if (!MatchesName(field_name, 64)) {
      return Invalid("Field name '" + std::string(field_name) +
                     "' invalid. Must start with lowercase letter, contain only lowercase "
                     "letters, numbers, underscores, max 64 chars");
    }
    for (const FieldSpec& seen : *fields) {
      if (seen.name == field_name) {
        return Invalid("Duplicate field name: " + std::string(field_name));
      }
    }
    for (std::string_view reserved : kAutoColumns) {
      if (field_name == reserved) {
        return Invalid("Field name '" + std::string(field_name) + "' is reserved");
      }
    }
    const std::optional<FieldType> field_type =
        IsString(*type) ? ParseFieldType(StringOf(*type)) : std::nullopt;
    if (!field_type) {
      return Invalid("Field '" + std::string(field_name) + "' has invalid type '" + PyStr(*type) +
                     "'. Valid types: string, text, integer, float, boolean, datetime");
    }
    if (required && required->type() != simdjson::dom::element_type::BOOL) {
      return Invalid("Field '" + std::string(field_name) + "' 'required' must be boolean");
    }
    fields->push_back(
        {std::string(field_name), *field_type, required && required->get_bool().value_unsafe()});
  }
  return std::nullopt;
}

}  // namespace

std::string_view FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kText:
      return "text";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kFloat:
      return "float";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kDatetime:
      return "datetime";
  }
  return "string";
}

RowSchema::RowSchema(std::vector<FieldSpec> fields) : fields_(std::move(fields)) {
  std::vector<std::string> names(std::begin(kAutoColumns), std::end(kAutoColumns));
  for (const FieldSpec& field : fields_) names.push_back(field.name);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (!available_.empty()) available_ += ", ";
    available_ += name;
  }
}

const FieldSpec* RowSchema::Find(std::string_view name) const {
  for (const FieldSpec& field : fields_) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

std::optional<FieldType> RowSchema::ColumnType(std::string_view name) const {
  if (name == "id") return FieldType::kInteger;
  if (name == "created_at" || name == "updated_at") return FieldType::kDatetime;
  if (const FieldSpec* field = Find(name)) return field->type;
  return std::nullopt;
}

std::vector<std::string> RowSchema::ColumnNames() const {
  std::vector<std::string> names{"id"};
  for (const FieldSpec& field : fields_) names.push_back(field.name);
  names.emplace_back("created_at");
  names.emplace_back("updated_at");
  return names;
}

std::variant<SchemaRegister, ErrorReply> DecodeSchemaRegister(std::string_view plugin,
                                                              std::string_view payload) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, kNotObject, &request)) return *error;
  const std::optional<Element> table = request.Get("table");
  if (!table || !PyTruthy(*table)) {
    return ErrorReply{ErrorCode::kMissingField, "Required field 'table' missing"};
  }
  const std::optional<Element> schema = request.Get("schema");
  if (!schema || !PyTruthy(*schema)) {
    return ErrorReply{ErrorCode::kMissingField, "Required field 'schema' missing"};
  }
  if (!IsString(*table)) return Invalid("Table name must be a string");
  const std::string_view table_name = StringOf(*table);
  if (!MatchesName(table_name, 100)) {
    return Invalid("Table name '" + std::string(table_name) +
                   "' invalid. Must start with lowercase letter, contain only lowercase "
                   "letters, numbers, underscores, max 100 chars");
  }
  std::vector<FieldSpec> fields;
  if (auto error = ValidateSchema(*schema, &fields)) return *error;
  PyJsonWriter json;
  WritePyJson(*schema, &json);
  return SchemaRegister{std::string(plugin), std::string(table_name), RowSchema(std::move(fields)),
                        json.Take()};
}

std::string FullTableName(std::string_view plugin, std::string_view table) {
  return std::string(plugin) + "_" + std::string(table);
}

std::string SqlAlchemyIdentifier(std::string_view name) {
  bool quote = name.empty() || (name[0] >= '0' && name[0] <= '9') || name[0] == '$';
  for (char c : name) {
    if (!IsLowerAlnum(c) && c != '$') quote = true;
  }
  if (!quote) {
    quote = std::find(kReservedWords.begin(), kReservedWords.end(), name) != kReservedWords.end();
  }
  return quote ? QuoteIdentifier(name) : std::string(name);
}

std::string CreateTableSql(std::string_view full_table_name, const RowSchema& schema) {
  std::string sql = "CREATE TABLE " + SqlAlchemyIdentifier(full_table_name) + " (\n";
  sql += "\tid INTEGER NOT NULL, \n";
  for (const FieldSpec& field : schema.fields()) {
    sql += "\t" + SqlAlchemyIdentifier(field.name) + " " + std::string(DdlType(field.type));
    sql += field.required ? " NOT NULL, \n" : ", \n";
  }
  sql += "\tcreated_at DATETIME DEFAULT 'CURRENT_TIMESTAMP' NOT NULL, \n";
  sql += "\tupdated_at DATETIME DEFAULT 'CURRENT_TIMESTAMP' NOT NULL, \n";
  sql += "\tPRIMARY KEY (id)\n)";
  return sql;
}

std::string CreateTableSql(std::string_view full_table_name, const RowSchema& schema,
                           Dialect dialect) {
  if (dialect == Dialect::kSqlite) return CreateTableSql(full_table_name, schema);
  std::string sql = "CREATE TABLE " + QuoteIdentifier(full_table_name) + " (\n";
  sql += "\tid SERIAL NOT NULL, \n";
  for (const FieldSpec& field : schema.fields()) {
    std::string_view type = DdlType(field.type);
    if (field.type == FieldType::kInteger) type = "BIGINT";
    if (field.type == FieldType::kFloat) type = "DOUBLE PRECISION";
    if (field.type == FieldType::kDatetime) type = "TEXT";
    sql += "\t" + QuoteIdentifier(field.name) + " " + std::string(type);
    sql += field.required ? " NOT NULL, \n" : ", \n";
  }
  sql += "\tcreated_at TEXT NOT NULL, \n";
  sql += "\tupdated_at TEXT NOT NULL, \n";
  sql += "\tPRIMARY KEY (id)\n)";
  return sql;
}

Statement TableExistsStatement(std::string_view full_table_name, Dialect dialect) {
  SqlBuilder sql(dialect);
  if (dialect == Dialect::kPostgres) {
    sql.Sql(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND "
        "table_name = ");
  } else {
    sql.Sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ");
  }
  sql.Param(std::string(full_table_name));
  return std::move(sql).Build();
}

Statement RegistryInsertStatement(const SchemaRegister& command, int64_t now, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql(
         "INSERT INTO plugin_table_schemas (plugin_name, table_name, schema_json, version, "
         "created_at, updated_at) VALUES (")
      .Param(command.plugin)
      .Sql(", ")
      .Param(command.table)
      .Sql(", ")
      .Param(command.schema_json)
      .Sql(", 1, ")
      .Param(now)
      .Sql(", ")
      .Param(now)
      .Sql(") ON CONFLICT (plugin_name, table_name) DO NOTHING");
  return std::move(sql).Build();
}

Statement RegistryLoadStatement(Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("SELECT plugin_name, table_name, schema_json FROM plugin_table_schemas ORDER BY id");
  return std::move(sql).Build();
}

std::optional<RowSchema> ParseStoredSchema(std::string_view schema_json) {
  JsonRequest parsed;
  if (JsonRequest::Parse(schema_json, kNotObject, &parsed)) return std::nullopt;
  std::vector<FieldSpec> fields;
  if (ValidateSchema(parsed.root(), &fields)) return std::nullopt;
  return RowSchema(std::move(fields));
}

std::string RenderSchemaRegisterReply() { return "{\"success\": true}"; }

std::vector<std::string> RegistryTableDdl() {
  return {
      "CREATE TABLE IF NOT EXISTS plugin_table_schemas (\n"
      "\tid INTEGER NOT NULL, \n"
      "\tplugin_name VARCHAR(100) NOT NULL, \n"
      "\ttable_name VARCHAR(100) NOT NULL, \n"
      "\tschema_json TEXT NOT NULL, \n"
      "\tversion INTEGER DEFAULT '1' NOT NULL, \n"
      "\tcreated_at INTEGER NOT NULL, \n"
      "\tupdated_at INTEGER NOT NULL, \n"
      "\tPRIMARY KEY (id)\n"
      ")",
      "CREATE UNIQUE INDEX IF NOT EXISTS idx_plugin_table_unique ON plugin_table_schemas "
      "(plugin_name, table_name)",
      "CREATE INDEX IF NOT EXISTS idx_plugin_name ON plugin_table_schemas (plugin_name)",
      "CREATE INDEX IF NOT EXISTS ix_plugin_table_schemas_plugin_name ON plugin_table_schemas "
      "(plugin_name)",
  };
}

}  // namespace roseyd::storage_api
