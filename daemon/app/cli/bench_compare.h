#pragma once

#include <string>
#include <vector>

#include "loadgen/scenario.h"

namespace roseyd::cli {

// roseyd bench --compare OTHER: what to compare and how.
struct CompareOptions {
  std::string other;    // the base: another roseyd executable (or a script that execs one)
  std::string candidate;  // the other side; empty: this binary
  int rounds = 20;      // interleaved rounds of the timed scenarios (docs/BENCHMARKS.md: why 20)
  int cost_rounds = 2;  // rounds of the cost figures (both sides at once)
  std::string suite = "compare";
  std::vector<std::string> scenarios;  // empty: the suite's
  double tolerance_percent = 10;
  std::string out_dir = "bench-compare";
  // Config options for both sides (--config, --set, ...), as given.
  std::vector<std::string> config_args;
};

// Runs `roseyd bench` of both binaries on this machine: the cost scenarios
// for both at once, cost_rounds times; then the timed ones alternating
// within each round and swapping who goes first every round; with the scenarios of
// `catalog` (written to out_dir/scenarios.yaml, so that both run the same
// sizes), then compares every figure round by round and writes
// comparison.json and COMPARISON.md to out_dir. SIGINT/SIGTERM stop it
// after the child running now; what ran is compared. Returns the exit
// status: 0 nothing judged slower beyond the tolerance, 1 something is, 2
// the run could not compare.
int RunCompare(const CompareOptions& options, const loadgen::ScenarioCatalog& catalog);

}  // namespace roseyd::cli
