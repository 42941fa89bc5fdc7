#include "report/baseline.h"

#include <cmath>

#include <gtest/gtest.h>

#include "report/exit_status.h"
#include "unit/report/sample_report.h"

namespace roseyd::report {
namespace {

TEST(BaselineTest, FlagsRegressionsBeyondToleranceInTheBadDirectionOnly) {
  const RunReport baseline = SampleReport();
  RunReport now = SampleReport();
  now.scenarios[0].figures[0] = Judged("mean_latency_ms", 0.54, 5, Comparison::kAtMost);  // +8 %
  now.scenarios[1].figures[0] = Judged("persisted_per_second", 850, 100, Comparison::kAtLeast);  // -15 %
  CompareToBaseline(&now, baseline);
  ASSERT_EQ(now.comparisons.size(), 2u);
  EXPECT_FALSE(now.comparisons[0].regressed);
  EXPECT_TRUE(now.comparisons[1].regressed);
  EXPECT_NEAR(now.comparisons[1].change_percent, -15, 1e-9);
  EXPECT_EQ(ExitStatus(now), 1);

  RunReport better = SampleReport();
  better.scenarios[0].figures[0] = Judged("mean_latency_ms", 0.1, 5, Comparison::kAtMost);  // -80 %
  CompareToBaseline(&better, baseline);
  EXPECT_FALSE(better.comparisons[0].regressed);
  EXPECT_EQ(ExitStatus(better), 0);
}

// A cancelled scenario ran part of its load: its figures are compared with
// nothing, on either side.
TEST(BaselineTest, ACancelledScenarioIsComparedWithNothing) {
  const RunReport baseline = SampleReport();
  RunReport now = SampleReport();
  now.scenarios[1].figures[0] = Judged("persisted_per_second", 100, 100, Comparison::kAtLeast);
  now.scenarios[1].status = Verdict::kCancelled;
  CompareToBaseline(&now, baseline);
  ASSERT_EQ(now.comparisons.size(), 1u);
  EXPECT_EQ(now.comparisons[0].scenario, "single_event_latency");
  EXPECT_FALSE(now.comparisons[0].regressed);

  RunReport cancelled_baseline = SampleReport();
  cancelled_baseline.scenarios[0].status = Verdict::kCancelled;
  RunReport later = SampleReport();
  CompareToBaseline(&later, cancelled_baseline);
  ASSERT_EQ(later.comparisons.size(), 1u);
  EXPECT_EQ(later.comparisons[0].scenario, "sustained_throughput");
  EXPECT_EQ(later.baseline_figures.count("single_event_latency/mean_latency_ms"), 0u);
}

TEST(BaselineTest, FromZeroAnyWorseningRegresses) {
  RunReport baseline = SampleReport();
  baseline.scenarios[1].figures.push_back(Judged("lost", 0, 0, Comparison::kAtMost));
  RunReport now = SampleReport();
  now.scenarios[1].figures.push_back(Judged("lost", 1, 0, Comparison::kAtMost));
  CompareToBaseline(&now, baseline);
  ASSERT_EQ(now.comparisons.size(), 3u);
  EXPECT_EQ(now.comparisons[2].metric, "lost");
  EXPECT_TRUE(now.comparisons[2].regressed);
  EXPECT_TRUE(std::isinf(now.comparisons[2].change_percent));

  RunReport same = SampleReport();
  same.scenarios[1].figures.push_back(Judged("lost", 0, 0, Comparison::kAtMost));
  CompareToBaseline(&same, baseline);
  ASSERT_EQ(same.comparisons.size(), 3u);
  EXPECT_FALSE(same.comparisons[2].regressed);
  EXPECT_EQ(same.comparisons[2].change_percent, 0);
}

TEST(BaselineTest, ComparesOnlyJudgedFiniteFiguresPresentInBoth) {
  RunReport baseline = SampleReport();
  baseline.scenarios[0].figures.push_back(Judged("p99_latency_ms", INFINITY, 10, Comparison::kAtMost));
  RunReport now = SampleReport();
  now.scenarios[0].figures.push_back(Judged("p99_latency_ms", 3, 10, Comparison::kAtMost));
  Figure unjudged;
  unjudged.metric = "cpu_percent_idle";
  unjudged.value = 99;
  now.scenarios[0].figures.push_back(unjudged);
  now.scenarios[1].name = "not_in_the_baseline";
  CompareToBaseline(&now, baseline);
  ASSERT_EQ(now.comparisons.size(), 1u);
  EXPECT_EQ(now.comparisons[0].metric, "mean_latency_ms");
  EXPECT_EQ(now.comparisons[0].scenario, "single_event_latency");
}

}  // namespace
}  // namespace roseyd::report
