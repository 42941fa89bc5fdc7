#pragma once

#include <string>

#include "report/results.h"

namespace roseyd::report {

// The parts of BENCHMARK_RESULTS.md that put this run's figures beside
// something else: its targets, the previous run (the baseline), the
// original Python service (reference_figures.h), and the bot's own service
// at idle. Each returns Markdown, "" when it has nothing to show.

// "Speed at a glance": one table answering "how fast", each row saying how
// it was measured, beside its Sprint 9 target, the baseline and the
// original's figure.
std::string SpeedAtAGlance(const RunReport& report);

// The bot's service's request latency during the run beside idle.
std::string BotServiceSection(const RunReport& report);

// The original Python service's figures beside this run's, with where they
// come from and that they were measured on another day.
std::string OriginalServiceSection(const RunReport& report);

// The baseline's value of a figure and the change to `value`, as two table
// cells ("| 0.52 | -3.1 % |"), or "| - | - |" without one.
std::string BaselineCells(const RunReport& report, const std::string& scenario,
                          const std::string& metric, double value);

}  // namespace roseyd::report
