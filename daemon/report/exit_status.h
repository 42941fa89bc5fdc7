#pragma once

#include "report/results.h"

namespace roseyd::report {

// The exit status of `roseyd bench` for a finished run:
// 0: every P0 scenario passed (and no regression when a baseline was given);
// 1: a P0 failed or a figure regressed (unless report.regressions_fail is
// off); 2: a P0 scenario could not run (one inapplicable to the target does
// not count). WARN never fails a run, nor does DISTURBED (a timing target
// missed while the noise floor moved: the run cannot blame roseyd for it).
int ExitStatus(const RunReport& report);

}  // namespace roseyd::report
