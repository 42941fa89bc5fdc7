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

}  // namespace
}  // namespace roseyd::report
