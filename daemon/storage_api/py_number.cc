#include "storage_api/py_number.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "storage_api/py_repr.h"
#include "storage_api/utf8.h"

namespace roseyd::storage_api {

namespace {

// The zero of every run of Unicode decimal digits above ASCII (Unicode 14,
// as Python 3.11's unicodedata): each run holds the ten digits in order.
constexpr char32_t kDigitZeros[] = {
    0x660,   0x6F0,   0x7C0,   0x966,   0x9E6,   0xA66,   0xAE6,   0xB66,   0xBE6,   0xC66,
    0xCE6,   0xD66,   0xDE6,   0xE50,   0xED0,   0xF20,   0x1040,  0x1090,  0x17E0,  0x1810,
    0x1946,  0x19D0,  0x1A80,  0x1A90,  0x1B50,  0x1BB0,  0x1C40,  0x1C50,  0xA620,  0xA8D0,
    0xA900,  0xA9D0,  0xA9F0,  0xAA50,  0xABF0,  0xFF10,  0x104A0, 0x10D30, 0x11066, 0x110F0,
    0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950,
    0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC,
    0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
};

// CPython first maps every space to ' ' and every decimal digit to ASCII
// (_PyUnicode_TransformDecimalAndSpaceToASCII); any other non-ASCII
// character makes the text invalid, which '?' stands for.
std::string ToAsciiNumber(std::string_view text) {
  std::string ascii;
  ascii.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const char32_t cp = NextCodePoint(text, &pos);
    if (IsPySpace(cp)) {
      ascii.push_back(' ');
    } else if (cp < 0x80) {
      ascii.push_back(static_cast<char>(cp));
    } else {
      char mapped = '?';
      for (char32_t zero : kDigitZeros) {
        if (cp >= zero && cp < zero + 10) mapped = static_cast<char>('0' + (cp - zero));
      }
      ascii.push_back(mapped);
    }
  }
  return ascii;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

// Digits with single underscores between them, starting at text[*pos];
// appends the digits to *out. False if none, or on a misplaced underscore.
bool ScanDigits(std::string_view text, size_t* pos, std::string* out) {
  const size_t start = *pos;
  while (*pos < text.size()) {
    const char c = text[*pos];
    if (IsDigit(c)) {
      out->push_back(c);
      ++*pos;
    } else if (c == '_' && *pos > start && IsDigit(text[*pos - 1]) && *pos + 1 < text.size() &&
               IsDigit(text[*pos + 1])) {
      ++*pos;
    } else {
      break;
    }
  }
  return *pos > start;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

}  // namespace

PyIntParse ParsePyInt(std::string_view text) {
  PyIntParse result;
  const std::string ascii = ToAsciiNumber(text);
  std::string_view body = TrimSpaces(ascii);
  bool negative = false;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  std::string digits;
  size_t pos = 0;
  if (!ScanDigits(body, &pos, &digits) || pos != body.size()) return result;
  result.digits = digits.size();
  if (digits.size() > 4300) {
    result.outcome = PyIntParse::Outcome::kTooManyDigits;
    return result;
  }
  // Accumulate negatively so INT64_MIN fits.
  int64_t value = 0;
  for (char c : digits) {
    const int digit = c - '0';
    if (value < (std::numeric_limits<int64_t>::min() + digit) / 10) {
      result.outcome = PyIntParse::Outcome::kOverflow;
      return result;
    }
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == std::numeric_limits<int64_t>::min()) {
      result.outcome = PyIntParse::Outcome::kOverflow;
      return result;
    }
    value = -value;
  }
  result.outcome = PyIntParse::Outcome::kOk;
  result.value = value;
  return result;
}

std::string PyIntErrorMessage(std::string_view text, const PyIntParse& parse) {
  if (parse.outcome == PyIntParse::Outcome::kTooManyDigits) {
    return "Exceeds the limit (4300 digits) for integer string conversion: value has " +
           std::to_string(parse.digits) +
           " digits; use sys.set_int_max_str_digits() to increase the limit";
  }
  const std::string repr = PyReprString(text);
  size_t cut = 0;
  for (size_t count = 0; cut < repr.size() && count < 200; ++count) NextCodePoint(repr, &cut);
  return "invalid literal for int() with base 10: " + repr.substr(0, cut);
}

std::optional<double> ParsePyFloat(std::string_view text) {
  const std::string ascii = ToAsciiNumber(text);
  std::string_view body = TrimSpaces(ascii);
  bool negative = false;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity")) {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (EqualsIgnoreCase(body, "nan")) return std::numeric_limits<double>::quiet_NaN();

  std::string integral, fraction, exponent;
  size_t pos = 0;
  const bool has_integral = ScanDigits(body, &pos, &integral);
  bool has_fraction = false;
  if (pos < body.size() && body[pos] == '.') {
    ++pos;
    has_fraction = ScanDigits(body, &pos, &fraction);
  }
  if (!has_integral && !has_fraction) return std::nullopt;
  bool exponent_negative = false;
  if (pos < body.size() && (body[pos] == 'e' || body[pos] == 'E')) {
    ++pos;
    if (pos < body.size() && (body[pos] == '+' || body[pos] == '-')) {
      exponent_negative = body[pos] == '-';
      ++pos;
    }
    if (!ScanDigits(body, &pos, &exponent)) return std::nullopt;
  }
  if (pos != body.size()) return std::nullopt;

  std::string clean = integral;
  if (!fraction.empty()) clean += "." + fraction;
  if (!exponent.empty()) clean += (exponent_negative ? "e-" : "e") + exponent;
  double value = 0;
  const auto parsed = std::from_chars(clean.data(), clean.data() + clean.size(), value);
  if (parsed.ec == std::errc::result_out_of_range) {
    // Past the double range: a huge magnitude becomes inf, a tiny one 0, as
    // Python's correctly rounded strtod gives. Which one: where the first
    // significant digit sits, in powers of ten.
    const std::string all = integral + fraction;
    const size_t first = all.find_first_not_of('0');
    long long power = exponent.size() > 18 ? std::numeric_limits<long long>::max() / 2
                                           : (exponent.empty() ? 0 : std::stoll(exponent));
    if (exponent_negative) power = -power;
    power += static_cast<long long>(integral.size()) - static_cast<long long>(first);
    value = first != std::string::npos && power > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  }
  return negative ? -value : value;
}

std::string PyFloatErrorMessage(std::string_view text) {
  return "could not convert string to float: " + PyReprString(text);
}

}  // namespace roseyd::storage_api
