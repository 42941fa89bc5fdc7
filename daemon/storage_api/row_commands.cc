#include "storage_api/row_commands.h"

#include "storage_api/json_request.h"
#include "storage_api/py_json_writer.h"
#include "storage_api/py_repr.h"
#include "storage_api/row_coercion.h"
#include "storage_api/row_request.h"
#include "storage_api/update_operations.h"

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

Statement InsertStatement(const std::string& full_table, const RowValues& values,
                          const RowContext& context) {
  SqlBuilder sql(context.dialect);
  sql.Sql("INSERT INTO ").Id(full_table).Sql(" (");
  for (const auto& [column, value] : values) sql.Id(column).Sql(", ");
  sql.Sql("\"created_at\", \"updated_at\") VALUES (");
  for (const auto& [column, value] : values) sql.Param(value).Sql(", ");
  sql.Param(context.now).Sql(", ").Param(context.now).Sql(") RETURNING \"id\"");
  return std::move(sql).Build();
}

// Table, id and registration, shared by select and delete.
std::optional<ErrorReply> DecodeKeyed(std::string_view plugin, std::string_view payload,
                                      const RowContext& context, std::string_view verb,
                                      ResolvedTable* resolved, SqlValue* id) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, kRowNotObject, &request)) return error;
  Element table, id_value;
  if (auto error = RequireTable(request, &table)) return error;
  if (auto error = RequireId(request, &id_value)) return error;
  if (auto error =
          ResolveTable(*context.schemas, plugin, table, "", RowOperationFailed(verb), resolved)) {
    return error;
  }
  const std::optional<SqlValue> bound = BindableId(id_value);
  if (!bound) return RowOperationFailed(verb);
  *id = *bound;
  return std::nullopt;
}

std::string ImmutableMessage(Element object) {
  bool created_at = false, id = false;
  for (const auto& [key, value] : Members(object)) {
    created_at = created_at || key == "created_at";
    id = id || key == "id";
  }
  if (!created_at && !id) return "";
  return std::string("Cannot update immutable fields: ") + (created_at && id ? "created_at, id"
                                                            : created_at     ? "created_at"
                                                                             : "id");
}

}  // namespace

std::variant<RowInsert, ErrorReply> DecodeRowInsert(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, kRowNotObject, &request)) return *error;
  Element table;
  if (auto error = RequireTable(request, &table)) return *error;
  const std::optional<Element> data = request.Get("data");
  if (!data || data->is_null()) {
    return ErrorReply{ErrorCode::kMissingField, "Required field 'data' missing"};
  }
  ResolvedTable resolved;
  if (auto error = ResolveTable(*context.schemas, plugin, table,
                                ". Register schema first using schema_register.",
                                RowOperationFailed("Insert"), &resolved)) {
    return *error;
  }
  RowInsert command{std::string(plugin), resolved.table, data->type() == Type::ARRAY, {}};
  std::vector<Element> rows;
  if (command.bulk) {
    for (const Element row : simdjson::dom::array(*data)) rows.push_back(row);
  } else {
    rows.push_back(*data);
  }
  if (rows.empty()) return ErrorReply{ErrorCode::kValidationError, "No data provided for insert"};

  const std::string full_table = FullTableName(plugin, resolved.table);
  bool unbindable = false;
  for (size_t i = 0; i < rows.size(); ++i) {
    // The original died on a row that is not an object with a Python
    // AttributeError, reported as a database failure.
    if (rows[i].type() != Type::OBJECT) return RowOperationFailed("Insert");
    RowValues values;
    if (auto error =
            CoerceRow(*resolved.schema, rows[i], /*is_update=*/false, &values, &unbindable)) {
      error->message = "Row " + std::to_string(i) + ": " + error->message;
      return *error;
    }
    command.inserts.push_back(InsertStatement(full_table, values, context));
  }
  if (unbindable) return RowOperationFailed("Insert");
  return command;
}

std::variant<RowSelect, ErrorReply> DecodeRowSelect(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context) {
  ResolvedTable resolved;
  SqlValue id;
  if (auto error = DecodeKeyed(plugin, payload, context, "Select", &resolved, &id)) {
    return *error;
  }
  SqlBuilder sql(context.dialect);
  SelectColumns(FullTableName(plugin, resolved.table), *resolved.schema, &sql);
  sql.Sql(" WHERE \"id\" = ").Param(id);
  return RowSelect{std::string(plugin), resolved.table, resolved.schema, std::move(sql).Build()};
}

std::variant<RowDelete, ErrorReply> DecodeRowDelete(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context) {
  ResolvedTable resolved;
  SqlValue id;
  if (auto error = DecodeKeyed(plugin, payload, context, "Delete", &resolved, &id)) {
    return *error;
  }
  SqlBuilder sql(context.dialect);
  sql.Sql("DELETE FROM ")
      .Id(FullTableName(plugin, resolved.table))
      .Sql(" WHERE \"id\" = ")
      .Param(id);
  return RowDelete{std::string(plugin), resolved.table, std::move(sql).Build()};
}

std::variant<RowUpdate, ErrorReply> DecodeRowUpdate(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, kRowNotObject, &request)) return *error;
  Element table, id;
  if (auto error = RequireTable(request, &table)) return *error;
  if (auto error = RequireId(request, &id)) return *error;
  std::optional<Element> data = request.Get("data");
  std::optional<Element> operations = request.Get("operations");
  if (data && data->is_null()) data.reset();
  if (operations && operations->is_null()) operations.reset();
  if (!data && !operations) {
    return ErrorReply{ErrorCode::kMissingField, "Must provide either 'data' or 'operations' field"};
  }
  ResolvedTable resolved;
  if (auto error = ResolveTable(*context.schemas, plugin, table, "", RowOperationFailed("Update"),
                                &resolved)) {
    return *error;
  }
  const bool data_mode = data && PyTruthy(*data);
  const bool operations_mode = operations && PyTruthy(*operations);
  if (!data_mode && !operations_mode) {
    return ErrorReply{ErrorCode::kValidationError,
                      "Must provide either 'data' or 'operations' for update"};
  }
  if (data_mode && operations_mode) {
    return ErrorReply{ErrorCode::kValidationError,
                      "Cannot provide both 'data' and 'operations' - choose one mode"};
  }
  const Element changes = operations_mode ? *operations : *data;
  // A truthy list or string has no .keys(): a Python AttributeError there.
  if (changes.type() != Type::OBJECT) return RowOperationFailed("Update");
  if (std::string message = ImmutableMessage(changes); !message.empty()) {
    return ErrorReply{ErrorCode::kValidationError, std::move(message)};
  }

  const std::string full_table = FullTableName(plugin, resolved.table);
  SqlBuilder sql(context.dialect);
  sql.Sql("UPDATE ").Id(full_table).Sql(" SET ");
  size_t assigned = 0;
  bool unbindable = false;
  if (operations_mode) {
    if (auto error =
            CompileUpdateOperations(*resolved.schema, changes, &sql, &assigned, &unbindable)) {
      return *error;
    }
  } else {
    RowValues values;
    if (auto error =
            CoerceRow(*resolved.schema, changes, /*is_update=*/true, &values, &unbindable)) {
      return *error;
    }
    for (const auto& [column, value] : values) {
      if (assigned++ > 0) sql.Sql(", ");
      sql.Id(column).Sql(" = ").Param(value);
    }
  }
  const std::optional<SqlValue> bound_id = BindableId(id);
  if (unbindable || !bound_id) return RowOperationFailed("Update");
  if (assigned > 0) sql.Sql(", ");
  sql.Sql("\"updated_at\" = ").Param(context.now).Sql(" WHERE \"id\" = ").Param(*bound_id);

  SqlBuilder exists(context.dialect);
  exists.Sql("SELECT \"id\" FROM ").Id(full_table).Sql(" WHERE \"id\" = ").Param(*bound_id);
  PyJsonWriter id_json;
  WritePyJson(id, &id_json);
  return RowUpdate{std::string(plugin), resolved.table, id_json.Take(), std::move(exists).Build(),
                   std::move(sql).Build()};
}

std::string RenderRowInsertReply(const RowInsert& command, const std::vector<int64_t>& ids) {
  PyJsonWriter out;
  out.BeginObject();
  out.Key("success");
  out.Bool(true);
  if (command.bulk) {
    out.Key("ids");
    out.BeginArray();
    for (int64_t id : ids) out.Int(id);
    out.EndArray();
    out.Key("created");
    out.Int(static_cast<int64_t>(ids.size()));
  } else {
    out.Key("id");
    if (ids.empty()) {
      out.Null();
    } else {
      out.Int(ids.front());
    }
    out.Key("created");
    out.Bool(true);
  }
  out.EndObject();
  return out.Take();
}

std::string RenderRowUpdateReply(const RowUpdate& command, bool existed) {
  if (!existed) return "{\"success\": true, \"exists\": false}";
  return "{\"success\": true, \"id\": " + command.id_json + ", \"updated\": true}";
}

std::string RenderRowDeleteReply(bool deleted) {
  return std::string("{\"success\": true, \"deleted\": ") + (deleted ? "true" : "false") + "}";
}

}  // namespace roseyd::storage_api
