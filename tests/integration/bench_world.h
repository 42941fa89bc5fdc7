#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "integration/roseyd_process.h"

namespace roseyd::testing {

// A small catalog for the tests of a running roseyd's load generator: its
// "quick" suite has one scenario of each kind that writes (chat lines,
// requests, every event subject, a restart, a capacity ramp, a burst) and
// takes about 20 s; "slow" runs a minute, to be cancelled; "failing" misses
// an impossible P0 target.
extern const char kSmallCatalog[];

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

// Every row of every table of the SQLite file at `path`, as text: one line
// per row, tables by name, rows sorted. Two equal snapshots hold the same
// rows.
std::string SnapshotTables(const std::string& path);

// The text of a file ("" when absent).
std::string FileText(const std::string& path);

}  // namespace roseyd::testing
