#include "base/redact_url.h"

namespace roseyd {

std::string RedactUrl(std::string_view url) {
  // cnats takes a comma-separated list; each entry may carry user:password@.
  std::string redacted;
  for (size_t begin = 0; begin <= url.size();) {
    size_t end = url.find(',', begin);
    if (end == std::string_view::npos) end = url.size();
    const std::string_view one = url.substr(begin, end - begin);
    const size_t scheme = one.find("://");
    const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
    const size_t at = one.find('@', start);
    const size_t slash = one.find('/', start);
    if (!redacted.empty() || begin > 0) redacted += ',';
    if (at == std::string_view::npos || (slash != std::string_view::npos && slash < at)) {
      redacted += one;
    } else {
      (redacted += one.substr(0, start)) += "***";
      redacted += one.substr(at);
    }
    begin = end + 1;
  }
  return redacted;
}

}  // namespace roseyd
