#pragma once

#include <string>

#include "report/results.h"

namespace roseyd::report {

// BENCHMARK_RESULTS.md for `report`, in four sections: executive summary
// (one row per scenario with its tightest judged figure), results by
// category (figures, latency statistics, links to the charts WriteReport
// writes beside it), analysis (what failed or did not run, the least
// headroom, the baseline comparison) and appendices (environment, config).
// Numbers carry 3 significant digits; an unmeasurable figure reads "inf".
std::string FormatReportMarkdown(const RunReport& report);

}  // namespace roseyd::report
