#pragma once

#include "report/results.h"

namespace roseyd::report {

// Compares every judged figure of `report` with the same scenario's figure
// in `baseline` (both finite) and fills report->comparisons. A figure
// regressed when it moved more than report->tolerance_percent of the
// baseline in the bad direction for its comparison; from a baseline of
// exactly 0 (e.g. lost), any worsening is a regression.
void CompareToBaseline(RunReport* report, const RunReport& baseline);

}  // namespace roseyd::report
