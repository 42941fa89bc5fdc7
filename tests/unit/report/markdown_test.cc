#include "report/markdown.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/report/sample_report.h"

namespace roseyd::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MarkdownTest, SummaryRowShowsTheFigureWithTheLeastHeadroom) {
  RunReport report = SampleReport();
  report.scenarios[0].figures.push_back(Judged("p99_latency_ms", 9, 10, Comparison::kAtMost));
  const std::string md = FormatReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("| single_event_latency | P0 | PASS | p99_latency_ms = 9 | <= 10 | 1.11 |"));
  EXPECT_THAT(md, HasSubstr("| sustained_throughput | P0 | PASS | persisted_per_second = 1000 | >= 100 | 10 |"));
  EXPECT_THAT(md, HasSubstr("- Result: every P0 scenario passed (exit status 0)"));
}

TEST(MarkdownTest, AnalysisListsWhatDidNotRunOrMissedItsTarget) {
  RunReport report = SampleReport();
  report.scenarios[0].figures[0] = Judged("mean_latency_ms", 5.5, 5, Comparison::kAtMost);
  report.scenarios[0].status = Verdict::kWarn;
  report.scenarios[1].status = Verdict::kNotRun;
  report.scenarios[1].note = "could not run: no server";
  const std::string md = FormatReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("- sustained_throughput did not run: could not run: no server"));
  EXPECT_THAT(md, HasSubstr("- single_event_latency: mean_latency_ms = 5.5 against 5 (WARN)"));
  EXPECT_THAT(md, HasSubstr("a P0 scenario could not run (exit status 2)"));
}

TEST(MarkdownTest, BaselineTableOnlyWithABaseline) {
  RunReport report = SampleReport();
  EXPECT_THAT(FormatReportMarkdown(report), Not(HasSubstr("Against baseline")));
  report.baseline_file = "old.json";
  report.comparisons.push_back({"burst", "lost", 0, 3, INFINITY, true});
  const std::string md = FormatReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("Against baseline old.json (tolerance 10 %)"));
  EXPECT_THAT(md, HasSubstr("| burst | lost | 0 | 3 | inf | **yes** |"));
}

TEST(MarkdownTest, NumbersNeverTakeAnExponent) {
  RunReport report = SampleReport();
  report.scenarios[1].figures[0] = Judged("persisted_per_second", 999.762, 100, Comparison::kAtLeast);
  report.scenarios[1].figures.push_back(Judged("capacity_events_per_second", 158147.4, 1000,
                                               Comparison::kAtLeast));
  const std::string md = FormatReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("| persisted_per_second | 1000 |"));
  EXPECT_THAT(md, HasSubstr("| capacity_events_per_second | 158,147 |"));
  EXPECT_THAT(md, Not(HasSubstr("e+")));
}

TEST(MarkdownTest, ACancelledRunSaysSo) {
  RunReport report = SampleReport();
  EXPECT_THAT(FormatReportMarkdown(report), Not(HasSubstr("Cancelled")));
  report.cancelled = true;
  report.scenarios[1].status = Verdict::kNotRun;
  report.scenarios[1].note = "cancelled before it started";
  EXPECT_THAT(FormatReportMarkdown(report),
              HasSubstr("- **Cancelled**: the run was cancelled after 1 of 2 scenarios"));
}

TEST(MarkdownTest, TheCapacityRampIsATablePerRate) {
  RunReport report = SampleReport();
  ScenarioResult capacity;
  capacity.name = "capacity";
  capacity.category = "throughput";
  capacity.steps = {{1000, 2000, 2000, 0, 998, 0.41, 1.2, 9.5, true},
                    {50000, 100000, 99000, 1000, 42000, 3.5, 23.27, 6.1, false}};
  report.scenarios.push_back(capacity);
  const std::string md = FormatReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("| offered ev/s | sent | persisted | lost | persisted ev/s | p50 ms | "
                            "p99 ms | CPU us/event | within target |"));
  EXPECT_THAT(md, HasSubstr("| 1000 | 2000 | 2000 | 0 | 998 | 0.41 | 1.2 | 9.5 | yes |"));
  EXPECT_THAT(md, HasSubstr("| 50,000 | 100000 | 99000 | 1000 | 42,000 | 3.5 | 23.3 | 6.1 | **no** |"));
  EXPECT_THAT(md, HasSubstr("![latency per rate](charts/capacity-capacity.svg)"));
}

TEST(MarkdownTest, EveryFigureShowsItsBaselineWhenThereIsOne) {
  RunReport report = SampleReport();
  report.baseline_file = "prev.json";
  report.regressions_fail = false;
  report.baseline_started_utc = "2026-11-21T10:00:00Z";
  report.baseline_figures["single_event_latency/mean_latency_ms"] = 0.4;
  const std::string md = FormatReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("| mean_latency_ms | 0.5 | <= 5 | PASS | 10 | 0.4 | +25 % |"));
  EXPECT_THAT(md, HasSubstr("- Baseline: prev.json, the run of 2026-11-21T10:00:00Z; the previous "
                            "run, shown for comparison (a regression does not fail this run)"));
  EXPECT_THAT(md, HasSubstr("### Speed at a glance"));
  EXPECT_THAT(md, HasSubstr("### Beside the original Python service"));
}

}  // namespace
}  // namespace roseyd::report
