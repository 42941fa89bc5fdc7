#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "service/rejection.h"

namespace roseyd::service {

// Typed, validated access to the fields of one JSON object payload. Each
// getter leaves *out alone and returns a Rejection naming the field when the
// field is missing (if required), null, of the wrong type or out of range.
// Private to the service part (the only place that includes nlohmann/json).
//
// Thread: confined to the caller.
class JsonFields {
 public:
  // Parses `payload`; rejects invalid JSON, invalid UTF-8 and non-objects.
  static std::optional<Rejection> Parse(std::string_view payload, JsonFields* out);

  // A string that must be present and non-empty.
  std::optional<Rejection> RequiredString(const char* key, std::string* out) const;
  // A string or null/absent (then *out = fallback, *present = false).
  std::optional<Rejection> OptionalString(const char* key, std::string_view fallback,
                                          std::string* out, bool* present = nullptr) const;
  // An integer (not a float, not a bool) within [min, max]; absent means fallback.
  std::optional<Rejection> Int(const char* key, int64_t fallback, int64_t min, int64_t max,
                               int64_t* out) const;
  // Like Int, but absent or null yields nullopt.
  std::optional<Rejection> NullableInt(const char* key, int64_t min, int64_t max,
                                       std::optional<int64_t>* out) const;
  // A required integer within [min, max].
  std::optional<Rejection> RequiredInt(const char* key, int64_t min, int64_t max,
                                       int64_t* out) const;
  // Any JSON number, absent or null yields nullopt.
  std::optional<Rejection> NullableNumber(const char* key, std::optional<double>* out) const;
  std::optional<Rejection> Bool(const char* key, bool fallback, bool* out) const;

  const nlohmann::json& json() const { return json_; }

 private:
  nlohmann::json json_;
};

}  // namespace roseyd::service
