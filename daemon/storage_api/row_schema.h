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

// The column types a plugin may register (case-sensitive on the wire).
enum class FieldType { kString, kText, kInteger, kFloat, kBoolean, kDatetime };

// "string", "text", "integer", "float", "boolean", "datetime".
std::string_view FieldTypeName(FieldType type);

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;

  bool operator==(const FieldSpec&) const = default;
};

// A registered table's fields, in schema order. Every table also has the
// automatic columns id (integer), created_at and updated_at (datetime).
//
// Thread: immutable after construction.
class RowSchema {
 public:
  // REQUIRES: names valid and unique (ValidateSchema checked them).
  explicit RowSchema(std::vector<FieldSpec> fields);

  const std::vector<FieldSpec>& fields() const { return fields_; }
  // A registered field; nullptr for the automatic columns and unknown names.
  const FieldSpec* Find(std::string_view name) const;
  // The type of any column, automatic ones included; nullopt if unknown.
  std::optional<FieldType> ColumnType(std::string_view name) const;
  // Every column name, sorted and joined with ", ": the "Available fields"
  // of the original's filter, sort and update messages.
  const std::string& AvailableColumns() const { return available_; }
  // id, the fields, created_at, updated_at: the table's column order.
  std::vector<std::string> ColumnNames() const;

  bool operator==(const RowSchema& other) const { return fields_ == other.fields_; }

 private:
  std::vector<FieldSpec> fields_;
  std::string available_;
};

// rosey.db.row.<plugin>.schema.register, decoded: the table
// "<plugin>_<table>" to create (unless one of that name exists) and the
// registry row to insert, unless (plugin, table) is registered already, in
// which case the reply is success and nothing changes.
struct SchemaRegister {
  std::string plugin;
  std::string table;
  RowSchema schema;
  std::string schema_json;  // Python's json.dumps(schema), extra keys kept
};

// Checks in the original's order (ROSEY_STORAGE_API.md §2.2): INVALID_JSON,
// non-object (INTERNAL_ERROR "Unexpected error"), MISSING_FIELD table and
// schema (Python truthiness), then the VALIDATION_ERROR texts of the table
// name, the schema's shape and each field in turn. `plugin` is the subject's
// fourth token, unchecked (any NATS token).
std::variant<SchemaRegister, ErrorReply> DecodeSchemaRegister(std::string_view plugin,
                                                              std::string_view payload);

// "<plugin>_<table>", the table that holds the rows.
std::string FullTableName(std::string_view plugin, std::string_view table);

// The CREATE TABLE text SQLAlchemy emits for the schema (and SQLite keeps in
// sqlite_master): identifiers quoted only where SQLAlchemy quotes them
// (reserved words, upper case, characters outside [a-z0-9_$], a leading
// digit or $), VARCHAR(255)/TEXT/INTEGER/FLOAT/BOOLEAN/DATETIME, NOT NULL on
// required fields, and DEFAULT 'CURRENT_TIMESTAMP' (a string) on the
// timestamps. The caller runs it only when no table of that name exists.
std::string CreateTableSql(std::string_view full_table_name, const RowSchema& schema);

// The same table for `dialect`: SQLite's text above, or PostgreSQL's, where
// the cells must read back as SQLite's did: every identifier quoted (its
// reserved words are not SQLite's), id SERIAL, INTEGER as BIGINT (SQLite's
// integers are 64-bit), FLOAT as DOUBLE PRECISION, datetime fields as TEXT
// and so created_at/updated_at (the stored "YYYY-MM-DD HH:MM:SS.ffffff",
// compared as SQLite compares it, returned as written).
std::string CreateTableSql(std::string_view full_table_name, const RowSchema& schema,
                           Dialect dialect);

// SQLAlchemy's identifier rendering: `name` bare when it needs no quotes.
std::string SqlAlchemyIdentifier(std::string_view name);

// SELECT 1 when a table named `full_table_name` exists.
Statement TableExistsStatement(std::string_view full_table_name, Dialect dialect);
// The registry row: version 1, created_at = updated_at = now (Unix seconds).
// On a (plugin, table) conflict it does nothing: the first schema wins.
Statement RegistryInsertStatement(const SchemaRegister& command, int64_t now, Dialect dialect);
// plugin_name, table_name, schema_json of every registered table, for the
// schema cache at start.
Statement RegistryLoadStatement(Dialect dialect);

// A stored schema_json back into a RowSchema (the original's cache reads
// name, type and required of each field). nullopt when it is not a schema.
std::optional<RowSchema> ParseStoredSchema(std::string_view schema_json);

// {"success": true}
std::string RenderSchemaRegisterReply();

// The original's DDL for plugin_table_schemas and its indexes, IF NOT EXISTS.
std::vector<std::string> RegistryTableDdl();

}  // namespace roseyd::storage_api
