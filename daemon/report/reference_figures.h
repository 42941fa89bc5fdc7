#pragma once

#include <string>
#include <vector>

namespace roseyd::report {

// Where the reference rows come from, as the report cites it.
inline constexpr char kReferenceSource[] =
    "BENCHMARKS.md, \"The original Python service, measured on this kind of machine\": "
    "Rosey-Robot's DatabaseService at 6d664ff (Sprint 10.5), unmodified, Python 3.11, nats-py "
    "2.12, its own settings (rollback journal, synchronous=FULL, a commit per event), measured "
    "2026-12-01 on a 2-core machine over loopback with an independent Go client";

// A figure of the original Python DatabaseService (kReferenceSource), and
// the roseyd figure of a report that measures the same thing. They were
// measured on another day, by another client, so a ratio between them is
// indicative only: BENCHMARKS.md compares as ratios only figures of one run.
struct ReferenceFigure {
  std::string label;          // "persisted message.log events/s"
  double original = 0;        // the figure, in `unit`
  std::string original_text;  // as BENCHMARKS.md gives it, with its spread
  std::string original_how;   // how it was measured
  std::string scenario;       // the roseyd figure: scenario and metric
  std::string metric;
  std::string roseyd_how;     // how roseyd's figure differs, if it does
  std::string unit;           // "ev/s", "us", "MiB", "ms"
  bool higher_is_better = false;
};

// The reference rows, in the order the report shows them.
const std::vector<ReferenceFigure>& OriginalServiceFigures();

// How many of the original's own pytest benchmarks passed (of how many):
// 5 of 10 (tests/performance/test_nats_overhead.py).
inline constexpr int kOriginalOwnSuitePassed = 5;
inline constexpr int kOriginalOwnSuiteTotal = 10;

}  // namespace roseyd::report
