#include "storage_api/py_datetime.h"

#include <time.h>

#include <cstdio>
#include <string>

#include "storage_api/py_repr.h"
#include "storage_api/utf8.h"

namespace roseyd::storage_api {

namespace {

constexpr size_t kFail = std::string_view::npos;

// CPython parses a NUL-terminated UTF-8 buffer and reads one past the end
// in places; At() gives that NUL so the port can read the same way.
class Text {
 public:
  explicit Text(std::string_view text) : text_(text) {}
  char At(size_t i) const { return i < text_.size() ? text_[i] : '\0'; }
  size_t size() const { return text_.size(); }

  // parse_digits: `count` ASCII digits into *value; the position after
  // them, or kFail.
  size_t Digits(size_t pos, int* value, size_t count) const {
    for (size_t i = 0; i < count; ++i) {
      const unsigned digit = static_cast<unsigned char>(At(pos++)) - unsigned{'0'};
      if (digit > 9) return kFail;
      *value = *value * 10 + static_cast<int>(digit);
    }
    return pos;
  }

 private:
  std::string_view text_;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLeap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Proleptic Gregorian ordinal, 0001-01-01 = 1 (CPython's ymd_to_ord).
int64_t YmdToOrd(int year, int month, int day) {
  const int64_t y = year - 1;
  int64_t days_before_month = 0;
  for (int m = 1; m < month; ++m) days_before_month += DaysInMonth(year, m);
  return y * 365 + y / 4 - y / 100 + y / 400 + days_before_month + day;
}

void OrdToYmd(int64_t ordinal, int* year, int* month, int* day) {
  // Day 1 is a Monday of year 1; walk whole 400/100/4/1-year cycles.
  int64_t n = ordinal - 1;
  const int64_t n400 = n / 146097;
  n %= 146097;
  int64_t n100 = n / 36524;
  n %= 36524;
  const int64_t n4 = n / 1461;
  n %= 1461;
  int64_t n1 = n / 365;
  n %= 365;
  *year = static_cast<int>(n400 * 400 + n100 * 100 + n4 * 4 + n1 + 1);
  if (n1 == 4 || n100 == 4) {
    *year -= 1;
    *month = 12;
    *day = 31;
    return;
  }
  int m = 1;
  while (n >= DaysInMonth(*year, m)) n -= DaysInMonth(*year, m++);
  *month = m;
  *day = static_cast<int>(n) + 1;
}

size_t FindSeparator(const Text& s) {
  const size_t len = s.size();
  if (len == 7) return 7;
  if (s.At(4) == '-') {
    if (s.At(5) != 'W') return 10;
    if (len > 8 && s.At(8) == '-') {
      if (len == 9) return kFail;
      if (len > 10 && IsDigit(s.At(10))) return 8;
      return 10;
    }
    return 8;
  }
  if (s.At(4) != 'W') return 8;
  size_t idx = 7;
  while (idx < len && IsDigit(s.At(idx))) ++idx;
  if (idx < 9) return idx;
  return idx % 2 == 0 ? 7 : 8;
}

// parse_isoformat_date; false on any failure.
bool ParseDate(const Text& s, size_t len, int* year, int* month, int* day) {
  size_t p = s.Digits(0, year, 4);
  if (p == kFail) return false;
  const bool uses_separator = s.At(p) == '-';
  if (uses_separator) ++p;
  if (s.At(p) == 'W') {
    int week = 0, weekday = 0;
    p = s.Digits(p + 1, &week, 2);
    if (p == kFail) return false;
    if (p < len) {
      if (uses_separator && s.At(p++) != '-') return false;
      p = s.Digits(p, &weekday, 1);
      if (p == kFail) return false;
    } else {
      weekday = 1;
    }
    if (week <= 0 || week >= 53) {
      const int64_t first_weekday = (YmdToOrd(*year, 1, 1) + 6) % 7;
      if (week != 53 || !(first_weekday == 3 || (first_weekday == 2 && IsLeap(*year)))) {
        return false;
      }
    }
    if (weekday <= 0 || weekday >= 8) return false;
    // Monday of ISO week 1: the week holding January 4th.
    const int64_t jan4 = YmdToOrd(*year, 1, 4);
    const int64_t week1_monday = jan4 - (jan4 + 6) % 7;
    OrdToYmd(week1_monday + int64_t{week - 1} * 7 + weekday - 1, year, month, day);
    return true;
  }
  p = s.Digits(p, month, 2);
  if (p == kFail) return false;
  if (uses_separator && s.At(p++) != '-') return false;
  return s.Digits(p, day, 2) != kFail;
}

// parse_hh_mm_ss_ff: <0 on failure, 1 when text follows, else 0.
int ParseClock(const Text& s, size_t p, size_t end, int* hour, int* minute, int* second,
               int* microsecond) {
  *hour = *minute = *second = *microsecond = 0;
  int* values[3] = {hour, minute, second};
  bool has_separator = true;
  for (int i = 0; i < 3; ++i) {
    p = s.Digits(p, values[i], 2);
    if (p == kFail) return -3;
    const char c = s.At(p++);
    if (i == 0) has_separator = c == ':';
    if (p >= end) return c != '\0';
    if (has_separator && c == ':') continue;
    if (c == '.' || c == ',') break;
    if (has_separator) return -4;
    --p;
  }
  const size_t to_parse = std::min<size_t>(end - p, 6);
  p = s.Digits(p, microsecond, to_parse);
  if (p == kFail || to_parse == 0) return -3;
  static constexpr int kCorrection[] = {100000, 10000, 1000, 100, 10};
  if (to_parse < 6) *microsecond *= kCorrection[to_parse - 1];
  while (IsDigit(s.At(p))) ++p;
  return s.At(p) != '\0';
}

// parse_isoformat_time: <0 on failure, 1 with an offset, 0 without.
int ParseTime(const Text& s, size_t p, PyDatetime* out, int64_t* offset_us) {
  const size_t end = s.size();
  size_t tz = p;
  do {
    const char c = s.At(tz);
    if (c == 'Z' || c == '+' || c == '-') break;
  } while (++tz < end);
  const int rv = ParseClock(s, p, tz, &out->hour, &out->minute, &out->second, &out->microsecond);
  if (rv < 0) return rv;
  if (tz == end) return rv == 1 ? -5 : 0;
  if (s.At(tz) == 'Z') {
    *offset_us = 0;
    return s.At(tz + 1) != '\0' ? -5 : 1;
  }
  const int sign = s.At(tz) == '-' ? -1 : 1;
  int h = 0, m = 0, sec = 0, us = 0;
  const int tz_rv = ParseClock(s, tz + 1, end, &h, &m, &sec, &us);
  *offset_us = sign * ((h * 3600LL + m * 60LL + sec) * 1'000'000 + us);
  // CPython drops the microseconds of an offset of 0 whole seconds.
  if (h == 0 && m == 0 && sec == 0) *offset_us = 0;
  return tz_rv ? -5 : 1;
}

std::string TimedeltaRepr(int64_t total_us) {
  constexpr int64_t kDayUs = 86'400'000'000;
  int64_t days = total_us / kDayUs;
  int64_t rest = total_us % kDayUs;
  if (rest < 0) {
    rest += kDayUs;
    --days;
  }
  std::string parts;
  const auto add = [&](const char* name, int64_t value) {
    if (value == 0) return;
    if (!parts.empty()) parts += ", ";
    parts += std::string(name) + "=" + std::to_string(value);
  };
  add("days", days);
  add("seconds", rest / 1'000'000);
  add("microseconds", rest % 1'000'000);
  return "datetime.timedelta(" + (parts.empty() ? "0" : parts) + ")";
}

std::string Format(const char* pattern, const PyDatetime& v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, v.year, v.month, v.day, v.hour, v.minute, v.second,
                v.microsecond);
  return buffer;
}

std::string StoredTime(std::chrono::system_clock::time_point when, bool local) {
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  int64_t seconds = since_epoch / 1'000'000;
  int64_t micros = since_epoch % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  const time_t t = static_cast<time_t>(seconds);
  struct tm parts {};
  if (local) {
    localtime_r(&t, &parts);
  } else {
    gmtime_r(&t, &parts);
  }
  PyDatetime value{parts.tm_year + 1900,
                   parts.tm_mon + 1,
                   parts.tm_mday,
                   parts.tm_hour,
                   parts.tm_min,
                   parts.tm_sec,
                   static_cast<int>(micros),
                   {}};
  return StoredDatetime(value);
}

}  // namespace

std::variant<PyDatetime, std::string> PyFromIsoformat(std::string_view text) {
  const std::string invalid = "Invalid isoformat string: " + PyReprString(text);
  if (CodePointCount(text) < 7) return invalid;
  // CPython replaces a non-ASCII character at a possible separator position
  // (code points 7, 8 or 10, the first found) with 'T' before parsing bytes:
  // any single character may separate date and time.
  std::string sanitized;
  size_t index = 0;
  bool replaced = false;
  for (size_t pos = 0; pos < text.size(); ++index) {
    const size_t start = pos;
    const char32_t cp = NextCodePoint(text, &pos);
    if (!replaced && cp >= 0x80 && (index == 7 || index == 8 || index == 10)) {
      sanitized.push_back('T');
      replaced = true;
    } else {
      sanitized.append(text.substr(start, pos - start));
    }
  }
  const Text s(sanitized);
  const size_t separator = FindSeparator(s);
  if (separator == kFail) return invalid;
  PyDatetime value;
  value.year = value.month = value.day = 0;
  if (!ParseDate(s, separator, &value.year, &value.month, &value.day)) return invalid;
  int64_t offset_us = 0;
  int rv = 0;
  if (s.size() > separator) rv = ParseTime(s, separator + 1, &value, &offset_us);
  if (rv < 0) return invalid;
  if (rv == 1) {
    constexpr int64_t kDayUs = 86'400'000'000;
    if (offset_us <= -kDayUs || offset_us >= kDayUs) {
      return "offset must be a timedelta strictly between -timedelta(hours=24) and "
             "timedelta(hours=24), not " +
             TimedeltaRepr(offset_us) + ".";
    }
    value.utc_offset_us = offset_us;
  }
  if (value.year < 1 || value.year > 9999) {
    return "year " + std::to_string(value.year) + " is out of range";
  }
  if (value.month < 1 || value.month > 12) return std::string("month must be in 1..12");
  if (value.day < 1 || value.day > DaysInMonth(value.year, value.month)) {
    return std::string("day is out of range for month");
  }
  if (value.hour > 23) return std::string("hour must be in 0..23");
  if (value.minute > 59) return std::string("minute must be in 0..59");
  if (value.second > 59) return std::string("second must be in 0..59");
  return value;
}

std::string StoredDatetime(const PyDatetime& value) {
  return Format("%04d-%02d-%02d %02d:%02d:%02d.%06d", value);
}

std::string Isoformat(const PyDatetime& value) {
  std::string out = Format(value.microsecond != 0 ? "%04d-%02d-%02dT%02d:%02d:%02d.%06d"
                                                  : "%04d-%02d-%02dT%02d:%02d:%02d",
                           value);
  if (!value.utc_offset_us) return out;
  int64_t offset = *value.utc_offset_us;
  out.push_back(offset < 0 ? '-' : '+');
  if (offset < 0) offset = -offset;
  const int64_t us = offset % 1'000'000;
  const int64_t total_seconds = offset / 1'000'000;
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", static_cast<int>(total_seconds / 3600),
                static_cast<int>(total_seconds / 60 % 60));
  out += buffer;
  if (total_seconds % 60 != 0 || us != 0) {
    std::snprintf(buffer, sizeof buffer, ":%02d", static_cast<int>(total_seconds % 60));
    out += buffer;
  }
  if (us != 0) {
    std::snprintf(buffer, sizeof buffer, ".%06d", static_cast<int>(us));
    out += buffer;
  }
  return out;
}

std::string StoredLocalTime(std::chrono::system_clock::time_point when) {
  return StoredTime(when, /*local=*/true);
}

std::string StoredUtcTime(std::chrono::system_clock::time_point when) {
  return StoredTime(when, /*local=*/false);
}

}  // namespace roseyd::storage_api
