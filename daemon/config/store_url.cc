#include "config/store_url.h"

namespace roseyd {
namespace {

constexpr std::string_view kSchemes[] = {"postgresql://", "postgres://"};

size_t SchemeLength(std::string_view url) {
  for (std::string_view scheme : kSchemes) {
    if (url.starts_with(scheme)) return scheme.size();
  }
  return 0;
}

}  // namespace

std::string CheckStoreUrl(std::string_view url) {
  if (url.empty() || SchemeLength(url) > 0) return "";
  return "expected a PostgreSQL URI such as 'postgresql://rosey@127.0.0.1:5432/rosey', got '" +
         RedactStoreUrl(url) + "'";
}

std::string RedactStoreUrl(std::string_view url) {
  const size_t start = SchemeLength(url);
  if (start == 0) {
    // Not a URI (keyword=value text, say): nothing to tell the parts apart by.
    const bool secret = url.find("password") != std::string_view::npos ||
                        url.find('@') != std::string_view::npos;
    return secret ? "***" : std::string(url);
  }
  const size_t query = url.find('?', start);
  const std::string_view before_query = url.substr(0, query);
  std::string redacted;
  // libpq ends the user part at the first '@'; a password holding a raw '@'
  // is a mistake, but must not leak either, hence the last one.
  const size_t at = before_query.rfind('@');
  const size_t colon = at == std::string_view::npos ? at : before_query.find(':', start);
  if (colon < at) {
    ((redacted += url.substr(0, colon + 1)) += "***") += before_query.substr(at);
  } else {
    redacted += before_query;
  }
  if (query == std::string_view::npos) return redacted;
  std::string_view params = url.substr(query + 1);
  redacted += '?';
  for (;;) {
    const size_t amp = params.find('&');
    const std::string_view param = params.substr(0, amp);
    redacted += param.starts_with("password=") ? std::string_view("password=***") : param;
    if (amp == std::string_view::npos) return redacted;
    redacted += '&';
    params.remove_prefix(amp + 1);
  }
}

}  // namespace roseyd
