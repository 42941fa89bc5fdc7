#pragma once

#include <string>

namespace roseyd::testing {

// A blocking HTTP/1.0 GET of http://host:port/path; returns the body, or
// throws std::runtime_error on a connection failure or non-200 status.
std::string HttpGet(const std::string& host, int port, const std::string& path);

// The status and body of a GET, whatever the status (/ready answers 503);
// throws std::runtime_error only when nothing answers in HTTP.
struct HttpResponse {
  int status = 0;
  std::string body;
};
HttpResponse HttpFetch(const std::string& host, int port, const std::string& path);

}  // namespace roseyd::testing
