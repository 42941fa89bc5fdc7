#pragma once

#include <string>

namespace roseyd {

// Points spdlog's default logger at stderr with `level` and `format`
// ("text": one readable line per message, a line break inside it written
// as "\n"; "json": one JSON object per line with the message escaped).
// Either way a message's final line breaks are dropped, so that every line
// of the log starts with its time and level. Throws StartupError on an
// unknown level or format.
void SetUpLogging(const std::string& level, const std::string& format);

}  // namespace roseyd
