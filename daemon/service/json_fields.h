#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "service/rejection.h"
#include "store/event.h"

namespace roseyd::service {

// Typed, validated access to the fields of one JSON object payload. Each
// getter leaves *out alone and returns a Rejection naming the field when the
// field is missing (if required), null, of the wrong type or out of range.
// A key given twice counts with its last value, as Python's json (the
// original's parser) reads it.
//
// Parsing is simdjson's (a tenth of nlohmann's cost on a chat line, which
// is most of what roseyd does per event). Private to the service part.
//
// Thread: confined to the caller. The fields live in a per-thread parser, so
// a JsonFields is valid only until the next Parse on the same thread.
class JsonFields {
 public:
  using Element = simdjson::dom::element;

  // Parses `payload`; rejects invalid JSON, invalid UTF-8, numbers beyond
  // 64 bits, nesting deeper than 1024 and non-objects.
  static std::optional<Rejection> Parse(std::string_view payload, JsonFields* out);

  JsonFields() = default;
  JsonFields(const JsonFields&) = delete;
  JsonFields& operator=(const JsonFields&) = delete;

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

  // Calls visit(name, value) for each member of the object field `key`, in
  // document order, until visit returns a Rejection. Missing or null: a
  // kMissingField rejection; not an object: kWrongType.
  template <typename Visit>
  std::optional<Rejection> ForEachMember(const char* key, Visit visit) const {
    const std::optional<Element> field = Find(key);
    if (!field || field->is_null()) return Missing(key);
    if (!field->is_object()) return WrongType(key, "must be an object");
    for (const simdjson::dom::key_value_pair member : simdjson::dom::object(*field)) {
      if (auto rejection = visit(member.key, member.value)) return rejection;
    }
    return std::nullopt;
  }

  // A member value as a status column stores it: null, an integer (a bool
  // as 0/1, as Python's sqlite3 binds True), a float or a string. Arrays and
  // objects are kWrongType, integers beyond int64 kOutOfRange; `name` is the
  // member's name for the message.
  static std::optional<Rejection> ToStatusValue(std::string_view name, Element value,
                                                store::StatusValue* out);

 private:
  // The value of the last member named `key`, if any.
  std::optional<Element> Find(std::string_view key) const;
  static Rejection Missing(const char* key);
  static Rejection WrongType(const char* key, std::string_view must);

  simdjson::dom::object object_;
};

}  // namespace roseyd::service
