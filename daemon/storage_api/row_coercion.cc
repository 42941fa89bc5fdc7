#include "storage_api/row_coercion.h"

#include <cmath>

#include "storage_api/py_datetime.h"
#include "storage_api/py_json_writer.h"
#include "storage_api/py_number.h"
#include "storage_api/py_repr.h"

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

CoercionFailure Fails(std::string detail) { return {false, std::move(detail)}; }
CoercionFailure Overflows() { return {true, "integer beyond 64 bits"}; }

std::variant<SqlValue, CoercionFailure> ToInteger(Element value) {
  switch (value.type()) {
    case Type::STRING: {
      const std::string_view text = StringOf(value);
      const PyIntParse parse = ParsePyInt(text);
      if (parse.outcome == PyIntParse::Outcome::kOk) return SqlValue(parse.value);
      if (parse.outcome == PyIntParse::Outcome::kOverflow) return Overflows();
      return Fails(PyIntErrorMessage(text, parse));
    }
    case Type::BOOL:
      return SqlValue(int64_t{value.get_bool().value_unsafe() ? 1 : 0});
    case Type::INT64:
      return SqlValue(value.get_int64().value_unsafe());
    case Type::UINT64:
      return Overflows();
    case Type::DOUBLE: {
      const double truncated = std::trunc(value.get_double().value_unsafe());
      if (!(std::fabs(truncated) < 9223372036854775808.0)) return Overflows();
      return SqlValue(static_cast<int64_t>(truncated));
    }
    default:
      return Fails("Cannot convert " + std::string(PyTypeName(value)) + " to integer");
  }
}

std::variant<SqlValue, CoercionFailure> ToFloat(Element value) {
  double number = 0;
  switch (value.type()) {
    case Type::STRING: {
      const std::optional<double> parsed = ParsePyFloat(StringOf(value));
      if (!parsed) return Fails(PyFloatErrorMessage(StringOf(value)));
      number = *parsed;
      break;
    }
    case Type::BOOL:
      number = value.get_bool().value_unsafe() ? 1.0 : 0.0;
      break;
    case Type::INT64:
      number = static_cast<double>(value.get_int64().value_unsafe());
      break;
    case Type::UINT64:
      number = static_cast<double>(value.get_uint64().value_unsafe());
      break;
    case Type::DOUBLE:
      number = value.get_double().value_unsafe();
      break;
    default:
      return Fails("float() argument must be a string or a real number, not '" +
                   std::string(PyTypeName(value)) + "'");
  }
  // SQLite stores a NaN as NULL; say so rather than leave it to the bind.
  if (std::isnan(number)) return SqlValue();
  // roseyd: the original stored infinity ("inf", "1e400"), and every reply
  // holding the row then carried a bare Infinity, which is not JSON.
  if (std::isinf(number)) {
    return Fails(PyFloatRepr(number) + " is not a finite number (roseyd stores only what a "
                                       "JSON reply can carry)");
  }
  return SqlValue(number);
}

bool StringMeansTrue(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower == "true" || lower == "1" || lower == "yes" || lower == "on";
}

std::variant<SqlValue, CoercionFailure> ToDatetime(Element value) {
  if (!IsString(value)) {
    return Fails("Cannot convert " + std::string(PyTypeName(value)) + " to datetime");
  }
  // value.replace('Z', '+00:00'): every Z, as Python's str.replace does.
  std::string text;
  for (char c : StringOf(value)) {
    if (c == 'Z') {
      text += "+00:00";
    } else {
      text.push_back(c);
    }
  }
  auto parsed = PyFromIsoformat(text);
  if (auto* error = std::get_if<std::string>(&parsed)) return Fails(std::move(*error));
  return SqlValue(StoredDatetime(std::get<PyDatetime>(parsed)));
}

}  // namespace

std::variant<SqlValue, CoercionFailure> CoerceValue(FieldType type, Element value) {
  switch (type) {
    case FieldType::kString:
    case FieldType::kText:
      return SqlValue(PyStr(value));
    case FieldType::kInteger:
      return ToInteger(value);
    case FieldType::kFloat:
      return ToFloat(value);
    case FieldType::kBoolean: {
      const bool truth = IsString(value) ? StringMeansTrue(StringOf(value)) : PyTruthy(value);
      return SqlValue(int64_t{truth ? 1 : 0});
    }
    case FieldType::kDatetime:
      return ToDatetime(value);
  }
  return Fails("unknown type");
}

std::optional<ErrorReply> CoerceRow(const RowSchema& schema, Element row, bool is_update,
                                    RowValues* out, bool* unbindable) {
  const auto members = Members(row);
  if (!is_update) {
    for (const FieldSpec& field : schema.fields()) {
      if (!field.required) continue;
      bool present = false;
      for (const auto& member : members) present = present || member.first == field.name;
      if (!present) {
        return ErrorReply{ErrorCode::kValidationError, "Missing required field: " + field.name};
      }
    }
  }
  for (const auto& [key, value] : members) {
    const FieldSpec* field = schema.Find(key);
    if (field == nullptr) {
      return ErrorReply{ErrorCode::kValidationError, "Unknown field: " + std::string(key)};
    }
    if (value.is_null()) {
      if (field->required) {
        return ErrorReply{ErrorCode::kValidationError,
                          "Field '" + std::string(key) + "' cannot be null"};
      }
      out->emplace_back(key, SqlValue());
      continue;
    }
    auto coerced = CoerceValue(field->type, value);
    if (auto* failure = std::get_if<CoercionFailure>(&coerced)) {
      if (failure->database) {
        *unbindable = true;
        out->emplace_back(key, SqlValue());
        continue;
      }
      return ErrorReply{ErrorCode::kValidationError,
                        "Field '" + std::string(key) + "': Cannot convert value to " +
                            std::string(FieldTypeName(field->type)) + ": " + failure->detail};
    }
    out->emplace_back(key, std::move(std::get<SqlValue>(coerced)));
  }
  return std::nullopt;
}

}  // namespace roseyd::storage_api
