#include "service/json_fields.h"

#include <cmath>
#include <limits>

namespace roseyd::service {

namespace {

Rejection Reject(RejectReason reason, const char* key, std::string_view problem) {
  std::string detail = "field '";
  detail += key;
  detail += "' ";
  detail += problem;
  return Rejection{reason, std::move(detail)};
}

}  // namespace

std::optional<Rejection> JsonFields::Parse(std::string_view payload, JsonFields* out) {
  // allow_exceptions=false: a parse error yields a "discarded" value instead.
  // nlohmann's lexer also refuses ill-formed UTF-8 inside strings.
  nlohmann::json parsed = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Rejection{RejectReason::kMalformedJson, "payload is not valid JSON (or not UTF-8)"};
  }
  if (!parsed.is_object()) {
    return Rejection{RejectReason::kNotObject, "payload is not a JSON object"};
  }
  out->json_ = std::move(parsed);
  return std::nullopt;
}

std::optional<Rejection> JsonFields::RequiredString(const char* key, std::string* out) const {
  const auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) {
    return Reject(RejectReason::kMissingField, key, "is required");
  }
  if (!it->is_string()) return Reject(RejectReason::kWrongType, key, "must be a string");
  const auto& value = it->get_ref<const std::string&>();
  if (value.empty()) return Reject(RejectReason::kEmptyField, key, "must not be empty");
  *out = value;
  return std::nullopt;
}

std::optional<Rejection> JsonFields::OptionalString(const char* key, std::string_view fallback,
                                                    std::string* out, bool* present) const {
  const auto it = json_.find(key);
  if (present != nullptr) *present = false;
  if (it == json_.end() || it->is_null()) {
    *out = fallback;
    return std::nullopt;
  }
  if (!it->is_string()) return Reject(RejectReason::kWrongType, key, "must be a string");
  *out = it->get_ref<const std::string&>();
  if (present != nullptr) *present = true;
  return std::nullopt;
}

std::optional<Rejection> JsonFields::NullableInt(const char* key, int64_t min, int64_t max,
                                                 std::optional<int64_t>* out) const {
  const auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) {
    *out = std::nullopt;
    return std::nullopt;
  }
  // JSON has one number type; the protocol's ints are integers, so 3.5 and
  // true are wrong types rather than something to round.
  if (it->is_number_float()) {
    // Integers beyond 64 bits arrive as floats; say what is wrong with them.
    const double d = it->get<double>();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) >= 9.2e18) {
      return Reject(RejectReason::kOutOfRange, key, "is out of range");
    }
  }
  if (!it->is_number_integer()) return Reject(RejectReason::kWrongType, key, "must be an integer");
  int64_t value;
  if (it->is_number_unsigned()) {
    const auto u = it->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Reject(RejectReason::kOutOfRange, key, "is out of range");
    }
    value = static_cast<int64_t>(u);
  } else {
    value = it->get<int64_t>();
  }
  if (value < min || value > max) {
    return Reject(RejectReason::kOutOfRange, key,
                  "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  *out = value;
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
  if (!value) return Reject(RejectReason::kMissingField, key, "is required");
  *out = *value;
  return std::nullopt;
}

std::optional<Rejection> JsonFields::NullableNumber(const char* key,
                                                    std::optional<double>* out) const {
  const auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) {
    *out = std::nullopt;
    return std::nullopt;
  }
  if (!it->is_number()) return Reject(RejectReason::kWrongType, key, "must be a number");
  *out = it->get<double>();
  return std::nullopt;
}

std::optional<Rejection> JsonFields::Bool(const char* key, bool fallback, bool* out) const {
  const auto it = json_.find(key);
  if (it == json_.end() || it->is_null()) {
    *out = fallback;
    return std::nullopt;
  }
  if (!it->is_boolean()) return Reject(RejectReason::kWrongType, key, "must be true or false");
  *out = it->get<bool>();
  return std::nullopt;
}

}  // namespace roseyd::service
