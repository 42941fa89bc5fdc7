#include "storage_api/row_search.h"

#include <cmath>
#include <limits>

#include "storage_api/json_request.h"
#include "storage_api/py_datetime.h"
#include "storage_api/py_json_writer.h"
#include "storage_api/py_number.h"
#include "storage_api/py_repr.h"
#include "storage_api/row_filter.h"
#include "storage_api/row_request.h"

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

ErrorReply Invalid(std::string message) {
  return {ErrorCode::kValidationError, std::move(message)};
}

// `limit < 1` on a value that is not a number: Python's TypeError text.
std::string NotComparable(Element value) {
  return "'<' not supported between instances of '" + std::string(PyTypeName(value)) +
         "' and 'int'";
}

std::optional<ErrorReply> DecodeLimit(const JsonRequest& request, int64_t* limit) {
  const std::optional<Element> value = request.Get("limit");
  if (!value) return std::nullopt;
  switch (value->type()) {
    case Type::BOOL:
      *limit = value->get_bool().value_unsafe() ? 1 : 0;
      break;
    case Type::INT64:
      *limit = value->get_int64().value_unsafe();
      break;
    case Type::UINT64:
      *limit = kMaxSearchLimit;
      break;
    case Type::DOUBLE:
      return Invalid("Limit must be an integer, got float");
    default:
      return Invalid(NotComparable(*value));
  }
  if (*limit < 1) return Invalid("Limit must be at least 1");
  if (*limit > kMaxSearchLimit) *limit = kMaxSearchLimit;
  return std::nullopt;
}

// SQLAlchemy's offset(): int() of the value; a negative one acts as 0.
std::optional<ErrorReply> DecodeOffset(const JsonRequest& request, int64_t* offset) {
  const std::optional<Element> value = request.Get("offset");
  if (!value) return std::nullopt;
  switch (value->type()) {
    case Type::NULL_VALUE:
      break;
    case Type::BOOL:
      *offset = value->get_bool().value_unsafe() ? 1 : 0;
      break;
    case Type::INT64:
      *offset = value->get_int64().value_unsafe();
      break;
    case Type::UINT64:
      *offset = kInt64Max;
      break;
    case Type::DOUBLE: {
      const double d = std::trunc(value->get_double().value_unsafe());
      *offset = d >= 9.2e18 ? kInt64Max : d <= -9.2e18 ? 0 : static_cast<int64_t>(d);
      break;
    }
    case Type::STRING: {
      const PyIntParse parse = ParsePyInt(StringOf(*value));
      if (parse.outcome == PyIntParse::Outcome::kOverflow) {
        *offset = StringOf(*value).find('-') == std::string_view::npos ? kInt64Max : 0;
      } else if (parse.outcome != PyIntParse::Outcome::kOk) {
        return Invalid(PyIntErrorMessage(StringOf(*value), parse));
      } else {
        *offset = parse.value;
      }
      break;
    }
    default:
      return Invalid(
          "int() argument must be a string, a bytes-like object or a real number, "
          "not '" +
          std::string(PyTypeName(*value)) + "'");
  }
  if (*offset < 0) *offset = 0;
  return std::nullopt;
}

// One cell as the original's result processing turns it into JSON.
bool WriteCell(std::optional<FieldType> type, const SqlValue& cell, PyJsonWriter* out) {
  if (std::holds_alternative<std::monostate>(cell)) {
    out->Null();
    return true;
  }
  if (type == FieldType::kBoolean) {
    if (const auto* i = std::get_if<int64_t>(&cell)) {
      out->Bool(*i != 0);
    } else if (const auto* d = std::get_if<double>(&cell)) {
      out->Bool(*d != 0);
    } else {
      out->Bool(!std::get<std::string>(cell).empty());
    }
    return true;
  }
  if (type == FieldType::kDatetime) {
    const auto* text = std::get_if<std::string>(&cell);
    if (text == nullptr) return false;
    auto parsed = PyFromIsoformat(*text);
    if (!std::holds_alternative<PyDatetime>(parsed)) return false;
    out->String(Isoformat(std::get<PyDatetime>(parsed)));
    return true;
  }
  if (const auto* i = std::get_if<int64_t>(&cell)) {
    out->Int(*i);
  } else if (const auto* d = std::get_if<double>(&cell)) {
    out->Float(*d);
  } else {
    out->String(std::get<std::string>(cell));
  }
  return true;
}

bool WriteRow(const RowSchema& schema, const RowCells& row, PyJsonWriter* out) {
  const std::vector<std::string> columns = schema.ColumnNames();
  if (row.size() != columns.size()) return false;
  out->BeginObject();
  for (size_t i = 0; i < columns.size(); ++i) {
    out->Key(columns[i]);
    if (!WriteCell(schema.ColumnType(columns[i]), row[i], out)) return false;
  }
  out->EndObject();
  return true;
}

}  // namespace

std::variant<RowSearch, ErrorReply> DecodeRowSearch(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, kRowNotObject, &request)) return *error;
  Element table;
  if (auto error = RequireTable(request, &table)) return *error;
  ResolvedTable resolved;
  // A list or dict as table: Python's TypeError, which search reports as
  // validation.
  const ErrorReply unhashable =
      Invalid(std::string("unhashable type: '") + std::string(PyTypeName(table)) + "'");
  if (auto error = ResolveTable(*context.schemas, plugin, table, "", unhashable, &resolved)) {
    return *error;
  }
  RowSearch command{std::string(plugin), resolved.table, resolved.schema, kDefaultSearchLimit, {}};
  if (auto error = DecodeLimit(request, &command.limit)) return *error;

  const RowSchema& schema = *resolved.schema;
  SqlBuilder sql(context.dialect);
  SelectColumns(FullTableName(plugin, resolved.table), schema, &sql);
  FilterOutcome outcome;
  if (const std::optional<Element> filters = request.Get("filters");
      filters && PyTruthy(*filters)) {
    if (filters->type() != Type::OBJECT) return RowOperationFailed("Search");
    sql.Sql(" WHERE ");
    if (auto error = CompileFilter(schema, *filters, &sql, &outcome)) return *error;
  }
  sql.Sql(" ORDER BY ");
  if (const std::optional<Element> sort = request.Get("sort"); sort && PyTruthy(*sort)) {
    if (auto error = CompileSort(schema, *sort, &sql)) return *error;
    sql.Sql(", ");
  }
  AppendOrderItem(schema, "id", /*descending=*/false, &sql);
  int64_t offset = 0;
  if (auto error = DecodeOffset(request, &offset)) return *error;
  if (outcome.unbindable) return RowOperationFailed("Search");
  sql.Sql(" LIMIT ").Param(command.limit + 1).Sql(" OFFSET ").Param(offset);
  command.select = std::move(sql).Build();
  return command;
}

std::variant<std::string, ErrorReply> RenderRowSelectReply(const RowSchema& schema,
                                                           const std::optional<RowCells>& row,
                                                           size_t* non_finite) {
  if (non_finite != nullptr) *non_finite = 0;
  if (!row) return std::string("{\"success\": true, \"exists\": false}");
  PyJsonWriter out;
  out.BeginObject();
  out.Key("success");
  out.Bool(true);
  out.Key("exists");
  out.Bool(true);
  out.Key("data");
  if (!WriteRow(schema, *row, &out)) return RowOperationFailed("Select");
  out.EndObject();
  if (non_finite != nullptr) *non_finite = out.non_finite();
  return out.Take();
}

std::variant<std::string, ErrorReply> RenderRowSearchReply(const RowSearch& command,
                                                           const std::vector<RowCells>& rows,
                                                           size_t* non_finite) {
  if (non_finite != nullptr) *non_finite = 0;
  const size_t shown = std::min(rows.size(), static_cast<size_t>(command.limit));
  PyJsonWriter out;
  out.BeginObject();
  out.Key("success");
  out.Bool(true);
  out.Key("rows");
  out.BeginArray();
  for (size_t i = 0; i < shown; ++i) {
    if (!WriteRow(*command.schema, rows[i], &out)) return RowOperationFailed("Search");
  }
  out.EndArray();
  out.Key("count");
  out.Int(static_cast<int64_t>(shown));
  out.Key("truncated");
  out.Bool(rows.size() > shown);
  out.EndObject();
  if (non_finite != nullptr) *non_finite = out.non_finite();
  return out.Take();
}

}  // namespace roseyd::storage_api
