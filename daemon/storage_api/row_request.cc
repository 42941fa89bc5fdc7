#include "storage_api/row_request.h"

#include "storage_api/py_repr.h"

namespace roseyd::storage_api {

std::optional<ErrorReply> RequireTable(const JsonRequest& request, Element* table) {
  const std::optional<Element> value = request.Get("table");
  if (!value || !PyTruthy(*value)) {
    return ErrorReply{ErrorCode::kMissingField, "Required field 'table' missing"};
  }
  *table = *value;
  return std::nullopt;
}

std::optional<ErrorReply> RequireId(const JsonRequest& request, Element* id) {
  const std::optional<Element> value = request.Get("id");
  if (!value || value->is_null()) {
    return ErrorReply{ErrorCode::kMissingField, "Required field 'id' missing"};
  }
  *id = *value;
  return std::nullopt;
}

std::optional<ErrorReply> ResolveTable(const SchemaCatalog& schemas, std::string_view plugin,
                                       Element table, std::string_view suffix,
                                       const ErrorReply& unhashable, ResolvedTable* out) {
  if (table.is_array() || table.is_object()) return unhashable;
  out->table = PyStr(table);
  if (IsString(table)) out->schema = schemas.Find(plugin, out->table);
  if (out->schema == nullptr) {
    if (const auto clash = schemas.Refused(plugin, out->table)) {
      return ErrorReply{ErrorCode::kValidationError,
                        ServedClashMessage({std::string(plugin), out->table}, *clash)};
    }
    return ErrorReply{ErrorCode::kValidationError,
                      "Table '" + out->table + "' not registered for plugin '" +
                          std::string(plugin) + "'" + std::string(suffix),
                      /*unregistered_table=*/true};
  }
  return std::nullopt;
}

std::optional<SqlValue> BindableId(Element id) {
  using Type = simdjson::dom::element_type;
  switch (id.type()) {
    case Type::BOOL:
      return SqlValue(int64_t{id.get_bool().value_unsafe() ? 1 : 0});
    case Type::INT64:
      return SqlValue(id.get_int64().value_unsafe());
    case Type::DOUBLE:
      return SqlValue(id.get_double().value_unsafe());
    case Type::STRING:
      return SqlValue(std::string(StringOf(id)));
    default:
      return std::nullopt;
  }
}

void SelectColumns(const std::string& full_table, const RowSchema& schema, SqlBuilder* sql) {
  sql->Sql("SELECT ");
  bool first = true;
  for (const std::string& column : schema.ColumnNames()) {
    if (!first) sql->Sql(", ");
    first = false;
    sql->Id(column);
  }
  sql->Sql(" FROM ").Id(full_table);
}

}  // namespace roseyd::storage_api
