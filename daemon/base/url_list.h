#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace roseyd {

// The URLs of a comma-separated list, as NATS clients take several servers
// ("nats://a:4222, nats://b:4222"), each without surrounding blanks. Empty
// if `urls` is blank or any entry is, so a stray comma is an error to report
// rather than a server to try.
std::vector<std::string> SplitUrlList(std::string_view urls);

}  // namespace roseyd
