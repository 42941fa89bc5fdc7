#include "report/exit_status.h"

namespace roseyd::report {

int ExitStatus(const RunReport& report) {
  bool failed = false;
  for (const ScenarioResult& s : report.scenarios) {
    if (s.priority != Priority::kP0) continue;
    // A cancelled P0 scenario did not run to its end either.
    if ((s.status == Verdict::kNotRun && !s.inapplicable) || s.status == Verdict::kCancelled) {
      return 2;
    }
    if (s.status == Verdict::kFail) failed = true;
  }
  if (report.regressions_fail) {
    for (const Regression& c : report.comparisons) failed = failed || c.regressed;
  }
  return failed ? 1 : 0;
}

}  // namespace roseyd::report
