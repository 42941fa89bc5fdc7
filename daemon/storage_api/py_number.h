#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roseyd::storage_api {

// Python's int(text) in base 10: blanks around (any Unicode space), a sign,
// digits (any Unicode decimal digit) with single underscores between them.
struct PyIntParse {
  enum class Outcome {
    kOk,
    kInvalid,        // ValueError: PyIntInvalidMessage(text)
    kTooManyDigits,  // ValueError: more than 4300 digits (Python's default limit)
    kOverflow,       // a Python int, but beyond int64: SQLite cannot store it
  };
  Outcome outcome = Outcome::kInvalid;
  int64_t value = 0;
  size_t digits = 0;
};
PyIntParse ParsePyInt(std::string_view text);

// The ValueError text of a failed ParsePyInt (Outcome kInvalid or
// kTooManyDigits), as Python words it: "invalid literal for int() with base
// 10: '4.5'" (the repr cut at 200 characters, as CPython's %.200R does).
std::string PyIntErrorMessage(std::string_view text, const PyIntParse& parse);

// Python's float(text): blanks around, a sign, decimal digits with
// underscores between digits, an optional exponent, or inf/infinity/nan in
// any case. Beyond double range gives +-inf, as Python does. nullopt for
// anything else.
std::optional<double> ParsePyFloat(std::string_view text);

// "could not convert string to float: <repr(text)>"
std::string PyFloatErrorMessage(std::string_view text);

}  // namespace roseyd::storage_api
