#include "storage_api/update_operations.h"

#include <string>

#include "storage_api/row_coercion.h"

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

ErrorReply Invalid(std::string message) {
  return {ErrorCode::kValidationError, std::move(message)};
}

bool IsNumericType(FieldType type) {
  return type == FieldType::kInteger || type == FieldType::kFloat;
}

// A coerced value for $set/$max/$min, with the data-mode error texts.
std::optional<ErrorReply> CoerceOperand(std::string_view field, const FieldSpec* spec,
                                        FieldType type, Element value, bool allow_null,
                                        SqlValue* out, bool* unbindable) {
  if (value.is_null()) {
    if (!allow_null && spec != nullptr && spec->required) {
      return Invalid("Field '" + std::string(field) + "' cannot be null");
    }
    *out = SqlValue();
    return std::nullopt;
  }
  auto coerced = CoerceValue(type, value);
  if (auto* failure = std::get_if<CoercionFailure>(&coerced)) {
    if (failure->database) {
      *unbindable = true;
      return std::nullopt;
    }
    return Invalid("Field '" + std::string(field) + "': Cannot convert value to " +
                   std::string(FieldTypeName(type)) + ": " + failure->detail);
  }
  *out = std::move(std::get<SqlValue>(coerced));
  return std::nullopt;
}

// A JSON number (bools are numbers to Python) as bound by SQLite.
std::optional<SqlValue> Number(Element value, bool* unbindable) {
  switch (value.type()) {
    case Type::BOOL:
      return SqlValue(int64_t{value.get_bool().value_unsafe() ? 1 : 0});
    case Type::INT64:
      return SqlValue(value.get_int64().value_unsafe());
    case Type::DOUBLE:
      return SqlValue(value.get_double().value_unsafe());
    case Type::UINT64:
      *unbindable = true;
      return SqlValue();
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<ErrorReply> CompileUpdateOperations(const RowSchema& schema, Element operations,
                                                  SqlBuilder* sql, size_t* assigned,
                                                  std::vector<ArithmeticUpdate>* arithmetic,
                                                  bool* unbindable) {
  for (const auto& [field, spec] : Members(operations)) {
    const std::optional<FieldType> type = schema.ColumnType(field);
    if (!type) {
      return Invalid("Field '" + std::string(field) +
                     "' not in schema. Available fields: " + schema.AvailableColumns());
    }
    if (spec.type() != Type::OBJECT) {
      return Invalid("Update operations must be dict {operator: value}, got " +
                     std::string(PyTypeName(spec)) + " for field '" + std::string(field) + "'");
    }
    const auto ops = Members(spec);
    if (ops.size() != 1) {
      return Invalid("Each field must have exactly one update operator, got " +
                     std::to_string(ops.size()) + " for field '" + std::string(field) + "'");
    }
    const auto& [op, value] = ops.front();
    const bool numeric_op = op == "$inc" || op == "$dec" || op == "$mul";
    const bool conditional_op = op == "$max" || op == "$min";
    if (!numeric_op && !conditional_op && op != "$set") {
      return Invalid("Unknown update operator: " + std::string(op) +
                     ". Supported: $dec, $inc, $max, $min, $mul, $set");
    }
    const std::string type_name(FieldTypeName(*type));
    SqlValue operand;
    if (numeric_op) {
      if (!IsNumericType(*type)) {
        return Invalid("Operator " + std::string(op) + " requires numeric type, but field '" +
                       std::string(field) + "' has type '" + type_name +
                       "'. Numeric operators can only be used with: bigint, decimal, float, "
                       "integer, numeric, real");
      }
      const std::optional<SqlValue> number = Number(value, unbindable);
      if (!number) {
        return Invalid("Operator " + std::string(op) + " requires numeric value, got " +
                       std::string(PyTypeName(value)));
      }
      operand = *number;
    } else {
      if (conditional_op && !IsNumericType(*type) && *type != FieldType::kDatetime) {
        return Invalid("Operator " + std::string(op) +
                       " requires numeric or timestamp type, but field '" + std::string(field) +
                       "' has type '" + type_name +
                       "'. Conditional operators can only be used with: bigint, date, datetime, "
                       "decimal, float, integer, numeric, real, timestamp");
      }
      if (auto error = CoerceOperand(field, schema.Find(field), *type, value, conditional_op,
                                     &operand, unbindable)) {
        return error;
      }
    }
    if (field == "updated_at") continue;  // overwritten with now by the caller
    if ((*assigned)++ > 0) sql->Sql(", ");
    sql->Id(field).Sql(" = ");
    if (op == "$set") {
      sql->Param(operand);
    } else if (numeric_op) {
      sql->Id(field).Sql(op == "$inc" ? " + " : op == "$dec" ? " - " : " * ").Param(operand);
      arithmetic->push_back({std::string(op), std::string(field), *type, operand});
    } else {
      // GREATEST/LEAST with PostgreSQL's NULL handling: a NULL column takes
      // the value, a NULL value leaves the column.
      sql->Sql("CASE WHEN ")
          .Id(field)
          .Sql(" IS NULL OR ")
          .Id(field)
          .Sql(op == "$max" ? " < " : " > ")
          .Param(operand)
          .Sql(" THEN ")
          .Param(operand)
          .Sql(" ELSE ")
          .Id(field)
          .Sql(" END");
    }
  }
  return std::nullopt;
}

}  // namespace roseyd::storage_api
