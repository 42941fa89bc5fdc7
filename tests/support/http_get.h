#pragma once

#include <string>

namespace roseyd::testing {

// A blocking HTTP/1.0 GET of http://host:port/path; returns the body, or
// throws std::runtime_error on a connection failure or non-200 status.
std::string HttpGet(const std::string& host, int port, const std::string& path);

}  // namespace roseyd::testing
