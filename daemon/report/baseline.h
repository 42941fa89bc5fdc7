#pragma once

#include "report/results.h"

namespace roseyd::report {

// Compares every judged figure of `report` with the same scenario's figure
// in `baseline` (both finite) and fills report->comparisons. A figure
// regressed when it moved more than report->tolerance_percent of the
// baseline in the bad direction for its comparison; from a baseline of
// exactly 0 (e.g. lost), any worsening is a regression. Also records every
// finite figure of the baseline in report->baseline_figures (judged or not,
// for the report to show beside this run's) and when the baseline ran. A
// CANCELLED scenario, on either side, is compared with nothing.
void CompareToBaseline(RunReport* report, const RunReport& baseline);

}  // namespace roseyd::report
