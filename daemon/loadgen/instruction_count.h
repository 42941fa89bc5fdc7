#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roseyd::loadgen {

// One cost workload to count (`roseyd cost`): which, how many events or
// requests, and its store: a SQLite file in a scratch folder, or a schema of
// its own in the PostgreSQL database at `postgres_url`.
struct CostRun {
  std::string workload;  // cost::WorkloadName
  int64_t count = 0;
  std::string postgres_url;  // empty: SQLite
  std::string roseyd;        // the binary whose code is counted; empty: this one
};

// What callgrind counted in the workload's measured part.
struct InstructionCount {
  double instructions = 0;  // every thread of the process, the measured part alone
  int64_t measured = 0;     // events or requests in it
  int64_t transactions = 0;  // the writer's commits in it
  double valgrind_seconds = 0;  // how long the run under valgrind took
};

// The valgrind on PATH; "" when it is not installed.
std::string FindValgrind();

// Runs `roseyd cost` (of run.roseyd) under valgrind's callgrind with
// instrumentation off until the workload marks its measured part, in a
// scratch folder under $TMPDIR that is removed after, and reads the
// instruction count of that part from callgrind's dump. Instruction counts
// do not depend on what else the machine runs: only the program's own
// choices (thread interleavings it lets the kernel decide) move them.
// Throws std::runtime_error naming the reason (valgrind missing, the
// workload failed: with the end of its log, or no dump), and when
// *cancelled is set.
InstructionCount CountInstructions(const CostRun& run, const std::atomic<bool>& cancelled);

// Reads one callgrind dump: the count of the measured part named by
// `roseyd-cost:<label>` in its description, with its label; nullopt for a
// dump of anything else (the program's end).
struct CallgrindDump {
  std::string label;  // "events:20000"
  double instructions = 0;
};
std::optional<CallgrindDump> ParseCallgrindDump(std::string_view text);

}  // namespace roseyd::loadgen
