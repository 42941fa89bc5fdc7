#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace roseyd::testing {

// Runs `args` (args[0] the executable) to its exit, at most `timeout`, with
// stdout and stderr in `log`, the variables of `env` added to this process's
// environment. Returns the exit status (-1 when it had to be killed) and
// the output.
struct ProcessResult {
  int exit = -1;
  std::string output;
};
ProcessResult RunToExit(const std::vector<std::string>& args, const std::string& log,
                        std::chrono::seconds timeout = std::chrono::seconds(60),
                        const std::map<std::string, std::string>& env = {});

// The text of a file ("" when absent).
std::string FileText(const std::string& path);

}  // namespace roseyd::testing
