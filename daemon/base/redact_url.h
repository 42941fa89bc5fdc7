#pragma once

#include <string>
#include <string_view>

namespace roseyd {

// `url` (or cnats's comma-separated list of URLs) with any user:password@
// replaced by ***@: the only form of a URL that may reach a log, a report or
// a printed config.
std::string RedactUrl(std::string_view url);

}  // namespace roseyd
