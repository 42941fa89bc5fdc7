#include "config/nats_url.h"

#include <vector>

#include "base/redact_url.h"
#include "base/url_list.h"
#include "config/value_text.h"

namespace roseyd {

using config_text::Lower;
using config_text::Quote;

namespace {

// What is wrong with one server's URL, or "".
std::string CheckOne(const std::string& url) {
  const size_t colon_slashes = url.find("://");
  std::string rest = url;
  if (colon_slashes != std::string::npos) {
    const std::string scheme = Lower(url.substr(0, colon_slashes));
    if (scheme != "nats" && scheme != "tls") {
      std::string problem = Quote(RedactUrl(url)) + ": " + scheme +
                            ":// is not a scheme NATS speaks; use nats://host:4222 (or tls:// "
                            "for TLS)";
      if (scheme == "http" || scheme == "https") {
        problem += ": port 8222 and the like serve NATS monitoring over HTTP, not NATS";
      } else if (scheme == "ws" || scheme == "wss") {
        problem += ": roseyd's NATS client has no WebSocket support";
      }
      return problem;
    }
    rest = url.substr(colon_slashes + 3);
  } else if (url.find('/') != std::string::npos) {
    return "expected a URL such as 'nats://127.0.0.1:4222', got " + Quote(RedactUrl(url));
  }
  const size_t at = rest.rfind('@');
  const std::string host_port = at == std::string::npos ? rest : rest.substr(at + 1);
  if (host_port.empty() || host_port.front() == ':' || host_port.front() == '/') {
    return Quote(RedactUrl(url)) + " names no host (e.g. 'nats://127.0.0.1:4222')";
  }
  return "";
}

}  // namespace

std::string CheckNatsUrls(std::string_view urls) {
  if (urls.empty()) return "";
  const std::vector<std::string> list = SplitUrlList(urls);
  if (list.empty()) {
    return "expected a URL or comma-separated URLs (e.g. 'nats://a:4222,nats://b:4222'), got " +
           Quote(RedactUrl(urls));
  }
  for (const std::string& url : list) {
    if (std::string problem = CheckOne(url); !problem.empty()) return problem;
  }
  return "";
}

}  // namespace roseyd
