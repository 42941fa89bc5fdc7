#include "storage_api/row_commands.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

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

constexpr const char* kBeyondInt64 = "take it beyond the 64-bit integer range";

// A cell as the database's arithmetic reads it; nullopt for NULL. Text (in
// a file the original wrote: its $set stored strings in any column) reads
// as SQLite reads it: an integer if it is one, else the number it starts
// with, else 0.
std::optional<SqlValue> ArithmeticValue(const SqlValue& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return std::nullopt;
  const auto* text = std::get_if<std::string>(&cell);
  if (text == nullptr) return cell;
  const std::string trimmed(text->c_str());  // as a C string: up to a NUL
  char* end = nullptr;
  errno = 0;
  const long long integer = std::strtoll(trimmed.c_str(), &end, 10);
  const auto rest_blank = [&](const char* p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
    return *p == '\0';
  };
  if (errno == 0 && end != trimmed.c_str() && rest_blank(end)) {
    return SqlValue(static_cast<int64_t>(integer));
  }
  // strtod would also read "inf", "nan" and hex, which SQLite reads as 0.
  const char* p = trimmed.c_str();
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') ++p;
  if (*p == '+' || *p == '-') ++p;
  if (!((*p >= '0' && *p <= '9') || *p == '.')) return SqlValue(int64_t{0});
  const double real = std::strtod(trimmed.c_str(), &end);
  if (end == trimmed.c_str()) return SqlValue(int64_t{0});
  return SqlValue(real);
}

double AsDouble(const SqlValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return 0;
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
  std::vector<ArithmeticUpdate> arithmetic;
  if (operations_mode) {
    if (auto error = CompileUpdateOperations(*resolved.schema, changes, &sql, &assigned,
                                             &arithmetic, &unbindable)) {
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
  exists.Sql("SELECT \"id\"");
  for (const ArithmeticUpdate& update : arithmetic) exists.Sql(", ").Id(update.column);
  exists.Sql(" FROM ").Id(full_table).Sql(" WHERE \"id\" = ").Param(*bound_id);
  PyJsonWriter id_json;
  WritePyJson(id, &id_json);
  return RowUpdate{std::string(plugin),        resolved.table,         id_json.Take(),
                   std::move(exists).Build(), std::move(sql).Build(), std::move(arithmetic)};
}

std::optional<ErrorReply> CheckUpdateResults(const RowUpdate& command, const RowCells& current) {
  for (size_t i = 0; i < command.arithmetic.size() && i + 1 < current.size(); ++i) {
    const ArithmeticUpdate& update = command.arithmetic[i];
    const std::optional<SqlValue> value = ArithmeticValue(current[i + 1]);
    if (!value) continue;  // NULL stays NULL
    const char* problem = nullptr;
    const auto* a = std::get_if<int64_t>(&*value);
    const auto* b = std::get_if<int64_t>(&update.operand);
    int64_t exact = 0;
    const bool integers = a != nullptr && b != nullptr;
    const bool overflow = integers && (update.op == "$inc"   ? __builtin_add_overflow(*a, *b, &exact)
                                       : update.op == "$dec" ? __builtin_sub_overflow(*a, *b, &exact)
                                                             : __builtin_mul_overflow(*a, *b, &exact));
    if (overflow && update.type == FieldType::kInteger) {
      problem = kBeyondInt64;
    } else if (!integers) {
      const double x = AsDouble(*value), y = AsDouble(update.operand);
      const double result = update.op == "$inc" ? x + y : update.op == "$dec" ? x - y : x * y;
      if (std::isnan(result)) {
        problem = "make it NaN";
      } else if (std::isinf(result)) {
        problem = "make it infinite";
      } else if (update.type == FieldType::kInteger &&
                 !(result >= -9223372036854775808.0 && result < 9223372036854775808.0)) {
        problem = kBeyondInt64;
      }
    }
    // Integers that overflow into a float field become a (finite) float
    // there, as in SQLite.
    if (problem != nullptr) {
      return ErrorReply{ErrorCode::kValidationError, "Operator " + update.op + " on field '" +
                                                         update.column + "' would " + problem};
    }
  }
  return std::nullopt;
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
