#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace roseyd::testing {

// Starts `args` (args[0] the executable) with stdout and stderr appended to
// `log`, the variables of `env` added to this process's environment.
// Returns its pid, or -1 (and a test failure) if it could not start.
pid_t SpawnLogged(const std::vector<std::string>& args, const std::string& log,
                  const std::map<std::string, std::string>& env = {});

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
