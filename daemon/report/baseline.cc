#include "report/baseline.h"

#include <cmath>
#include <limits>

namespace roseyd::report {

void CompareToBaseline(RunReport* report, const RunReport& baseline) {
  report->comparisons.clear();
  report->baseline_figures.clear();
  report->baseline_started_utc = baseline.started_utc;
  // A cancelled scenario's figures cover part of its load: nothing to compare.
  for (const ScenarioResult& b : baseline.scenarios) {
    if (b.status == Verdict::kCancelled) continue;
    for (const Figure& f : b.figures) {
      if (std::isfinite(f.value)) report->baseline_figures[b.name + "/" + f.metric] = f.value;
    }
  }
  for (const ScenarioResult& s : report->scenarios) {
    if (s.status == Verdict::kCancelled) continue;
    for (const Figure& f : s.figures) {
      if (!f.target) continue;
      for (const ScenarioResult& b : baseline.scenarios) {
        if (b.name != s.name || b.status == Verdict::kCancelled) continue;
        for (const Figure& bf : b.figures) {
          if (bf.metric != f.metric || !std::isfinite(bf.value) || !std::isfinite(f.value)) continue;
          Regression c{s.name, f.metric, bf.value, f.value, 0, false};
          const double worse = f.comparison == Comparison::kAtMost ? f.value - bf.value : bf.value - f.value;
          if (bf.value != 0) {
            c.change_percent = 100.0 * (f.value - bf.value) / std::fabs(bf.value);
            c.regressed = 100.0 * worse / std::fabs(bf.value) > report->tolerance_percent;
          } else {
            // From exactly zero (e.g. lost), any worsening is a regression.
            c.change_percent = f.value == 0 ? 0 : std::numeric_limits<double>::infinity();
            c.regressed = worse > 0;
          }
          report->comparisons.push_back(c);
        }
      }
    }
  }
}

}  // namespace roseyd::report
