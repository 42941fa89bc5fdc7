#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/ab_statistics.h"
#include "report/results.h"

namespace roseyd::report {

// One of the two binaries of an A/B comparison.
struct AbSide {
  std::string role;        // "base" or "candidate"
  std::string executable;  // as given
  std::string version;     // from its reports: "0.1.0 (revision abc123)"
};

// One run of one side in one round of one phase: a `roseyd bench` child
// process. In the "cost" phase both sides run at once (instruction counts do
// not depend on what else runs); in the "timed" phase one after the other.
struct AbRun {
  int round = 0;         // 1-based, within its phase
  std::string phase;     // "cost" or "timed"
  std::string role;      // "base" or "candidate"
  int position = 0;      // timed: 0 ran first in its round, 1 second; cost: 0
  std::string out_dir;   // its report
  int exit_status = 0;   // of `roseyd bench`; -1 when it did not exit by itself
  std::string problem;   // why it produced no report, if it did not
  double seconds = 0;
  std::optional<RunReport> report;  // its benchmark_results.json
};

// One figure compared: its values round by round on both sides and the
// statistics over them.
struct AbFigure {
  std::string scenario;
  std::string metric;
  bool judged = false;  // has a target, or is a cost: decides the exit status
  bool counted = false;  // an instruction count
  bool higher_is_better = false;
  std::vector<double> base;       // by round, rounds where both sides measured it
  std::vector<double> candidate;
  std::vector<int> rounds;        // which round each pair came from
  AbResult result;
};

// A whole comparison: what `roseyd bench --compare` writes as
// comparison.json and COMPARISON.md.
struct AbComparison {
  std::string started_utc;
  double duration_s = 0;
  std::string suite;
  std::vector<std::string> scenarios;  // as run, in order
  int rounds = 0;       // of the timed phase
  int cost_rounds = 0;  // of the cost phase
  double tolerance_percent = 10;
  AbSide base;
  AbSide candidate;
  std::vector<AbRun> runs;
  std::vector<AbFigure> figures;
  std::vector<std::string> problems;  // what kept it from comparing fully
  Environment environment;            // the machine, from the candidate's first report
};

// Pairs the figures of the runs' reports round by round within each phase
// (a scenario that did not run on one side in a round leaves that round out
// of its figures)
// and compares each with CompareAb at `tolerance_percent`. Fills
// comparison->figures, sorted: judged first, cost before time.
void CompareRuns(AbComparison* comparison);

// Whether a figure's metric is better when higher (a throughput); a
// figure's own target decides when it has one.
bool HigherIsBetter(const Figure& figure);

// 0: no judged figure slower beyond the tolerance with confidence; 1: at
// least one; 2: the run could not compare (a side produced no report in
// any round, or no judged figure was measured on both sides).
int AbExitStatus(const AbComparison& comparison);

// comparison.json: a top-level "figures" array (scenario, metric,
// base_median, candidate_median, ratio, ci_low, ci_high, detectable,
// verdict, ...), the rounds and the runs.
std::string FormatComparisonJson(const AbComparison& comparison);
// COMPARISON.md: the verdicts first, then each figure, the rounds and what
// the numbers mean.
std::string FormatComparisonMarkdown(const AbComparison& comparison);
// Writes both into `dir`. Throws std::runtime_error naming the file.
void WriteComparison(const AbComparison& comparison, const std::filesystem::path& dir);

}  // namespace roseyd::report
