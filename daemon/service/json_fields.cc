#include "service/json_fields.h"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace roseyd::service {

namespace {

Rejection Reject(RejectReason reason, std::string_view key, std::string_view problem) {
  std::string detail = "field '";
  detail += key;
  detail += "' ";
  detail += problem;
  return Rejection{reason, std::move(detail)};
}

// One parser per thread: it keeps its buffers between payloads, so a steady
// stream parses without allocating.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace

std::optional<Rejection> JsonFields::Parse(std::string_view payload, JsonFields* out) {
  // realloc_if_needed: the payload has no SIMDJSON_PADDING after it, so the
  // parser copies it into its own padded buffer. simdjson checks UTF-8 too.
  simdjson::dom::element root;
  const simdjson::error_code error =
      ThreadParser().parse(payload.data(), payload.size(), /*realloc_if_needed=*/true).get(root);
  // simdjson refuses a number beyond 64 bits as it refuses a malformed one;
  // nlohmann (rarely called, so its cost does not matter) tells them apart.
  if (error == simdjson::NUMBER_ERROR && nlohmann::json::accept(payload)) {
    return Rejection{RejectReason::kOutOfRange, "payload has a number beyond 64 bits"};
  }
  if (error == simdjson::DEPTH_ERROR) {
    return Rejection{RejectReason::kMalformedJson, "payload nests arrays or objects beyond depth " +
                                                       std::to_string(ThreadParser().max_depth())};
  }
  if (error != simdjson::SUCCESS) {
    return Rejection{RejectReason::kMalformedJson,
                     std::string("payload is not valid JSON: ") + simdjson::error_message(error)};
  }
  if (!root.is_object()) {
    return Rejection{RejectReason::kNotObject, "payload is not a JSON object"};
  }
  out->object_ = simdjson::dom::object(root);
  return std::nullopt;
}

std::optional<JsonFields::Element> JsonFields::Find(std::string_view key) const {
  std::optional<Element> found;
  for (const simdjson::dom::key_value_pair member : object_) {
    if (member.key == key) found = member.value;  // the last one wins
  }
  return found;
}

Rejection JsonFields::Missing(const char* key) {
  return Reject(RejectReason::kMissingField, key, "is required");
}

Rejection JsonFields::WrongType(const char* key, std::string_view must) {
  return Reject(RejectReason::kWrongType, key, must);
}

std::optional<Rejection> JsonFields::RequiredString(const char* key, std::string* out) const {
  const std::optional<Element> value = Find(key);
  if (!value || value->is_null()) return Missing(key);
  if (!value->is_string()) return WrongType(key, "must be a string");
  const std::string_view text = value->get_string().value_unsafe();
  if (text.empty()) return Reject(RejectReason::kEmptyField, key, "must not be empty");
  out->assign(text);
  return std::nullopt;
}

std::optional<Rejection> JsonFields::OptionalString(const char* key, std::string_view fallback,
                                                    std::string* out, bool* present) const {
  const std::optional<Element> value = Find(key);
  if (present != nullptr) *present = false;
  if (!value || value->is_null()) {
    out->assign(fallback);
    return std::nullopt;
  }
  if (!value->is_string()) return WrongType(key, "must be a string");
  out->assign(value->get_string().value_unsafe());
  if (present != nullptr) *present = true;
  return std::nullopt;
}

std::optional<Rejection> JsonFields::NullableInt(const char* key, int64_t min, int64_t max,
                                                 std::optional<int64_t>* out) const {
  const std::optional<Element> value = Find(key);
  if (!value || value->is_null()) {
    *out = std::nullopt;
    return std::nullopt;
  }
  // JSON has one number type; the protocol's ints are integers, so 3.5 and
  // true are wrong types rather than something to round.
  int64_t number = 0;
  switch (value->type()) {
    case simdjson::dom::element_type::INT64:
      number = value->get_int64().value_unsafe();
      break;
    case simdjson::dom::element_type::UINT64:  // only above INT64_MAX
      return Reject(RejectReason::kOutOfRange, key, "is out of range");
    case simdjson::dom::element_type::DOUBLE: {
      // 1e19 is an integer in JSON's eyes; say what is wrong with it.
      const double d = value->get_double().value_unsafe();
      if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) >= 9.2e18) {
        return Reject(RejectReason::kOutOfRange, key, "is out of range");
      }
      return WrongType(key, "must be an integer");
    }
    default:
      return WrongType(key, "must be an integer");
  }
  if (number < min || number > max) {
    return Reject(RejectReason::kOutOfRange, key,
                  "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  *out = number;
  return std::nullopt;
}

std::optional<Rejection> JsonFields::Int(const char* key, int64_t fallback, int64_t min,
                                         int64_t max, int64_t* out) const {
  std::optional<int64_t> value;
  if (auto rejection = NullableInt(key, min, max, &value)) return rejection;
  *out = value.value_or(fallback);
  return std::nullopt;
}

std::optional<Rejection> JsonFields::RequiredInt(const char* key, int64_t min, int64_t max,
                                                 int64_t* out) const {
  std::optional<int64_t> value;
  if (auto rejection = NullableInt(key, min, max, &value)) return rejection;
  if (!value) return Missing(key);
  *out = *value;
  return std::nullopt;
}

std::optional<Rejection> JsonFields::NullableNumber(const char* key,
                                                    std::optional<double>* out) const {
  const std::optional<Element> value = Find(key);
  if (!value || value->is_null()) {
    *out = std::nullopt;
    return std::nullopt;
  }
  if (!value->is_number()) return WrongType(key, "must be a number");
  *out = value->get_double().value_unsafe();  // converts int64/uint64 too
  return std::nullopt;
}

std::optional<Rejection> JsonFields::Bool(const char* key, bool fallback, bool* out) const {
  const std::optional<Element> value = Find(key);
  if (!value || value->is_null()) {
    *out = fallback;
    return std::nullopt;
  }
  if (!value->is_bool()) return WrongType(key, "must be true or false");
  *out = value->get_bool().value_unsafe();
  return std::nullopt;
}

std::optional<Rejection> JsonFields::ToStatusValue(std::string_view name, Element value,
                                                   store::StatusValue* out) {
  using Type = simdjson::dom::element_type;
  switch (value.type()) {
    case Type::NULL_VALUE: *out = std::monostate{}; return std::nullopt;
    case Type::BOOL: *out = int64_t{value.get_bool().value_unsafe() ? 1 : 0}; return std::nullopt;
    case Type::INT64: *out = value.get_int64().value_unsafe(); return std::nullopt;
    case Type::DOUBLE: *out = value.get_double().value_unsafe(); return std::nullopt;
    case Type::STRING: *out = std::string(value.get_string().value_unsafe()); return std::nullopt;
    case Type::UINT64:  // only above INT64_MAX
      return Rejection{RejectReason::kOutOfRange,
                       "status_data '" + std::string(name) + "' is out of range"};
    default:
      return Rejection{RejectReason::kWrongType, "status_data '" + std::string(name) +
                                                     "' must be a string, number, boolean or null"};
  }
}

}  // namespace roseyd::service
