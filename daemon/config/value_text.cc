#include "config/value_text.h"

#include <cctype>
#include <charconv>
#include <limits>
#include <utility>

namespace roseyd::config_text {

using std::chrono::nanoseconds;

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ParseInt(std::string_view text, int64_t* out) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

std::string ParseDuration(std::string_view text, nanoseconds* out) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {{"ns", 1},
                                                                    {"us", 1'000},
                                                                    {"ms", 1'000'000},
                                                                    {"s", 1'000'000'000},
                                                                    {"m", 60'000'000'000},
                                                                    {"h", 3'600'000'000'000}};
  text = Trim(text);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string_view unit = text.substr(digits);
  if (digits == 0) {
    return "expected a duration such as '250ms', '2s' or '5m', got " + Quote(text);
  }
  if (unit.empty()) {
    return "duration " + Quote(text) + " needs a unit: ns, us, ms, s, m or h (e.g. '" +
           std::string(text) + "ms')";
  }
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    int64_t count = 0;
    if (!ParseInt(text.substr(0, digits), &count) ||
        count > std::numeric_limits<int64_t>::max() / scale) {
      return "duration " + Quote(text) + " is too long";
    }
    *out = nanoseconds(count * scale);
    return "";
  }
  return "duration " + Quote(text) + " has an unknown unit " + Quote(unit) +
         " (use ns, us, ms, s, m or h)";
}

std::string FormatDuration(nanoseconds d) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000},
      {"ms", 1'000'000},        {"us", 1'000},         {"ns", 1}};
  if (d.count() == 0) return "0s";
  for (const auto& [name, scale] : kUnits) {
    if (d.count() % scale == 0) return std::to_string(d.count() / scale) + std::string(name);
  }
  return std::to_string(d.count()) + "ns";  // unreachable: scale 1 always divides
}

}  // namespace roseyd::config_text
