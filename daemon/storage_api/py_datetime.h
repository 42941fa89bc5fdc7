#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace roseyd::storage_api {

// A Python datetime, naive or with a fixed UTC offset.
struct PyDatetime {
  int year = 1, month = 1, day = 1;
  int hour = 0, minute = 0, second = 0, microsecond = 0;
  // Set when the text carried an offset (Python: tzinfo is not None).
  std::optional<int64_t> utc_offset_us;

  bool operator==(const PyDatetime&) const = default;
};

// Python 3.11's datetime.fromisoformat(text), ported from CPython's C
// implementation (the one Python runs): YYYY-MM-DD, YYYYMMDD and the ISO week
// forms, any one-byte separator, HH[:MM[:SS[.f+]]] with or without colons, a
// ,/. fraction cut to microseconds, and +-HH[:MM[:SS[.f]]] or Z offsets. On
// failure returns Python's ValueError text: "Invalid isoformat string:
// '<text>'", "month must be in 1..12", "year 0 is out of range", "offset
// must be a timedelta strictly between ...".
std::variant<PyDatetime, std::string> PyFromIsoformat(std::string_view text);

// How SQLAlchemy stores a datetime in SQLite: "YYYY-MM-DD HH:MM:SS.ffffff",
// the offset dropped without conversion.
std::string StoredDatetime(const PyDatetime& value);

// Python's isoformat(): "YYYY-MM-DDTHH:MM:SS", ".ffffff" only when the
// microseconds are not 0, then "+HH:MM[:SS[.ffffff]]" when aware.
std::string Isoformat(const PyDatetime& value);

// A system-clock instant as the stored text: in local time for
// datetime.now() (rows' created_at/updated_at), or in UTC for
// datetime.utcnow() (a migration's applied_at).
std::string StoredLocalTime(std::chrono::system_clock::time_point when);
std::string StoredUtcTime(std::chrono::system_clock::time_point when);

}  // namespace roseyd::storage_api
