#pragma once

#include <string>

namespace roseyd {

// Points spdlog's default logger at stderr with `level` and `format`
// ("text": one readable line; "json": one JSON object per line with the
// message escaped). Throws StartupError on an unknown level or format.
void SetUpLogging(const std::string& level, const std::string& format);

}  // namespace roseyd
