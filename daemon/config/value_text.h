#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace roseyd::config_text {

// How config values are written as text, in files, variables and --set, and
// printed back (config-keys, check-config, reports). Private to the config part.

std::string Quote(std::string_view text);  // 'text'
std::string_view Trim(std::string_view s);
std::string Lower(std::string_view s);
// An optionally signed decimal integer, surrounding blanks allowed.
bool ParseInt(std::string_view text, int64_t* out);
// "250ms", "2s", "5m", "1h", "1500us": an integer and a unit, no spaces.
// Returns the problem, or "" on success.
std::string ParseDuration(std::string_view text, std::chrono::nanoseconds* out);
// The largest unit that renders `d` exactly: 5000ms -> "5s", 3600s -> "1h".
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace roseyd::config_text
