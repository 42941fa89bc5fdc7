#include "report/markdown.h"

#include <cmath>

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
  report.scenarios[1].status = Verdict::kCancelled;
  report.scenarios[1].note = "cancelled before it started";
  const std::string md = FormatReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("- **Cancelled**: the run was cancelled after 1 of 2 scenarios; the "
                            "scenario running then and those after it are CANCELLED"));
  EXPECT_THAT(md, HasSubstr(", NOT RUN 0, CANCELLED 1\n"));
  EXPECT_THAT(md, HasSubstr("- " + report.scenarios[1].name +
                            " was cancelled: cancelled before it started"));
  EXPECT_THAT(md, Not(HasSubstr("NOT RUN (cancelled)")));
}

TEST(MarkdownTest, TheCapacityRampIsATablePerRate) {
  RunReport report = SampleReport();
  ScenarioResult capacity;
  capacity.name = "capacity";
  capacity.category = "throughput";
  capacity.steps = {{1000, 2000, 2000, 0, 998, 0.41, 1.2, 9.5, true},
                    {50000, 100000, 99000, 1000, 42000, 3.5, 23.27, 6.1, false},
                    {50000, 100000, 100000, 0, 49000, 0.9, 4.5, 6.0, true}};
  capacity.steps[0].floor_p99_ms = 0.35;
  capacity.steps[1].floor_p99_ms = 2.5;
  capacity.steps[1].steal_percent = 1.5;
  capacity.steps[2].attempt = 2;
  report.scenarios.push_back(capacity);
  const std::string md = FormatReportMarkdown(report);
  EXPECT_THAT(md, HasSubstr("| offered ev/s | attempt | sent | persisted | lost | persisted ev/s | "
                            "p50 ms | p99 ms | floor p99 ms | steal % | CPU us/event | within "
                            "target |"));
  EXPECT_THAT(
      md, HasSubstr("| 1000 | 1 | 2000 | 2000 | 0 | 998 | 0.41 | 1.2 | 0.35 | 0 | 9.5 | yes |"));
  EXPECT_THAT(md, HasSubstr("| 50,000 | 1 | 100000 | 99000 | 1000 | 42,000 | 3.5 | 23.3 | 2.5 | "
                            "1.5 | 6.1 | **no** |"));
  EXPECT_THAT(md,
              HasSubstr("| 50,000 | 2 (again) | 100000 | 100000 | 0 | 49,000 | 0.9 | 4.5 | - |"));
  EXPECT_THAT(md, HasSubstr("![latency per rate](charts/capacity-capacity.svg)"));
}

// SampleReport with the noise of a run whose first scenario's floor moved.
RunReport NoisyReport() {
  RunReport report = SampleReport();
  RunNoise noise;
  noise.subject = "_INBOX.echo";
  noise.probe_rate = 50;
  noise.rule = "its floor's p99 passed twice the idle one";
  noise.idle = {2.0, 0.5, 0.6, 0.1, 0, 100, 0.15, 0.4, 0.5};
  noise.run = {60, 1.2, 1.9, 0.4, 0.1, 3000, 0.2, 0.9, 12};
  report.noise = noise;
  ScenarioNoise moved;
  moved.window = {5, 1.5, 1.9, 0.2, 0, 250, 0.3, 3.1, 12};
  moved.moved = true;
  moved.why = "echo floor p99 3.1 ms against 0.4 ms idle";
  report.scenarios[0].noise = moved;
  report.scenarios[0].figures.push_back(Judged("p95_latency_ms", 14, 10, Comparison::kAtMost));
  report.scenarios[0].figures.back().verdict = Verdict::kDisturbed;
  report.scenarios[0].status = Verdict::kDisturbed;
  ScenarioNoise quiet;
  quiet.window = {5, 1.1, 1.2, 0.1, 0, 250, 0.2, 0.5, 0.9};
  report.scenarios[1].noise = quiet;
  return report;
}

TEST(MarkdownTest, TheNoiseSectionShowsTheFloorAndFlagsWhatItMoved) {
  const std::string md = FormatReportMarkdown(NoisyReport());
  EXPECT_THAT(md, HasSubstr("- PASS 1, WARN 0, DISTURBED 1, FAIL 0, NOT RUN 0, CANCELLED 0"));
  EXPECT_THAT(md, HasSubstr("| single_event_latency | P0 | DISTURBED (floor moved) |"));
  EXPECT_THAT(md, HasSubstr("| sustained_throughput | P0 | PASS |"));
  EXPECT_THAT(md, HasSubstr("### Noise"));
  EXPECT_THAT(md, HasSubstr("50 probes a second"));
  EXPECT_THAT(md, HasSubstr("| idle, before the first scenario | 2 | 0.15 | 0.4 | 0.5 | 100 | 0.1 "
                            "| 0 | 0.5 (max 0.6) | - |"));
  EXPECT_THAT(md, HasSubstr("| single_event_latency | 5 | 0.3 | 3.1 | 12 | 250 | 0.2 | 0 | 1.5 "
                            "(max 1.9) | **yes**: echo floor p99 3.1 ms against 0.4 ms idle |"));
  EXPECT_THAT(
      md,
      HasSubstr(
          "| sustained_throughput | 5 | 0.2 | 0.5 | 0.9 | 250 | 0.1 | 0 | 1.1 (max 1.2) | no |"));
  EXPECT_THAT(md, HasSubstr("The floor moved when its floor's p99 passed twice the idle one."));
  EXPECT_THAT(md, HasSubstr("Taken while the floor moved: single_event_latency."));
  EXPECT_THAT(md, HasSubstr("- Noise: echo floor p50 0.3 ms, p99 3.1 ms (idle p99 0.4 ms), steal "
                            "0.2 %, load average 1.5: **taken while the floor moved** (echo floor "
                            "p99 3.1 ms against 0.4 ms idle)"));
  EXPECT_THAT(md, HasSubstr("- single_event_latency: p95_latency_ms = 14 against 10 (DISTURBED: "
                            "echo floor p99 3.1 ms against 0.4 ms idle)"));
  EXPECT_THAT(md, HasSubstr("#### single_event_latency: DISTURBED"));
  EXPECT_THAT(FormatReportMarkdown(SampleReport()), Not(HasSubstr("### Noise")))
      << "a report from before the noise was measured says nothing of it";
}

// A memory_stability result with its slope and band against a target of 5.
RunReport SlopeReport(double low, double slope, double high) {
  RunReport report = SampleReport();
  ScenarioResult s;
  s.name = "memory_stability";
  s.category = "memory";
  s.figures = {Judged("rss_slope_mib_per_hour", slope, 5, Comparison::kAtMost)};
  Figure lo, hi;
  lo.metric = "rss_slope_ci_low_mib_per_hour";
  lo.value = low;
  hi.metric = "rss_slope_ci_high_mib_per_hour";
  hi.value = high;
  s.figures.push_back(lo);
  s.figures.push_back(hi);
  s.extra["rss_fit_center_mib"] = 40;
  s.timeline.push_back(TimelinePoint{1, 500, 500, 1e8, 4e7, 3});
  report.scenarios.push_back(s);
  return report;
}

TEST(MarkdownTest, TheRssSlopeIsFlatOnlyWhenItsWholeBandIsUnderTheTarget) {
  EXPECT_THAT(FormatReportMarkdown(SlopeReport(-1.5, 0.5, 2.5)),
              HasSubstr("- RSS (RssAnon) slope 0.5 MiB/h, 95 % band -1.5 to 2.5 MiB/h against a "
                        "target of 5: **flat** (the whole band is under the target)"));
  // A slope under the target whose band reaches past it: the window cannot say.
  EXPECT_THAT(FormatReportMarkdown(SlopeReport(-30, 1, 32)),
              HasSubstr("against a target of 5: **cannot tell**"));
  EXPECT_THAT(FormatReportMarkdown(SlopeReport(-INFINITY, 1, INFINITY)),
              HasSubstr("95 % band -inf to inf MiB/h against a target of 5: **cannot tell**"));
  EXPECT_THAT(FormatReportMarkdown(SlopeReport(12, 20, 28)), HasSubstr("**growing**"));
  EXPECT_THAT(FormatReportMarkdown(SlopeReport(12, 20, 28)),
              HasSubstr("![RSS and its fit](charts/memory_stability-rss.svg)"));
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
