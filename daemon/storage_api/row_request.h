#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage_api/error_reply.h"
#include "storage_api/json_request.h"
#include "storage_api/row_schema.h"
#include "storage_api/schema_catalog.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// Private to storage_api: the steps every rosey.db.row.<plugin>.* decoder
// shares, with the original's texts.

inline constexpr std::string_view kRowNotObject = "Unexpected error";

// `table` missing (falsy): MISSING_FIELD "Required field 'table' missing".
std::optional<ErrorReply> RequireTable(const JsonRequest& request, Element* table);

// `id` absent or null: MISSING_FIELD "Required field 'id' missing".
std::optional<ErrorReply> RequireId(const JsonRequest& request, Element* id);

// The registered schema of (plugin, table). Not registered:
// VALIDATION_ERROR "Table '<t>' not registered for plugin '<p>'" +
// `suffix`; registered but refused (its table is not the plugin's, see
// table_scope.h): VALIDATION_ERROR ServedClashMessage. A list or dict as table cannot be a dict key in Python:
// `unhashable` (DATABASE_ERROR "<Verb> operation failed" for most verbs).
struct ResolvedTable {
  std::string table;
  std::shared_ptr<const RowSchema> schema;
};
std::optional<ErrorReply> ResolveTable(const SchemaCatalog& schemas, std::string_view plugin,
                                       Element table, std::string_view suffix,
                                       const ErrorReply& unhashable, ResolvedTable* out);

// The id as Python binds it for WHERE id = ?: integers, floats, strings
// (INTEGER affinity makes "3" match 3) and bools as 1/0. Lists, dicts and
// integers beyond int64 cannot be bound: nullopt.
std::optional<SqlValue> BindableId(Element id);

// SELECT "id", the fields, "created_at", "updated_at" FROM the table.
void SelectColumns(const std::string& full_table, const RowSchema& schema, SqlBuilder* sql);

}  // namespace roseyd::storage_api
