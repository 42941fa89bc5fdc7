#pragma once

#include <string>

#include "report/results.h"

namespace roseyd::report {

// The parts of BENCHMARK_RESULTS.md that say how noisy the machine was
// while the run measured (RunReport::noise, ScenarioResult::noise), so that
// a figure is read knowing it. Each returns Markdown, "" when the run did
// not measure its noise (a report written before it did, or a run whose
// echo could not connect).

// "### Noise": the idle floor, the whole run, every scenario's window, the
// rule that says when the floor moved and which scenarios it flagged.
std::string NoiseSection(const RunReport& report);

// One line of a scenario's section: its floor, steal and load, and whether
// its figures were taken while the floor moved.
std::string ScenarioNoiseLine(const RunReport& report, const ScenarioResult& scenario);

// " (floor moved)" for a scenario whose figures were taken while the floor
// moved, else "": the mark its status carries in the summary table.
std::string MovedMark(const ScenarioResult& scenario);

}  // namespace roseyd::report
