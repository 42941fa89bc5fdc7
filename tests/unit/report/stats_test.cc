#include "report/stats.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace roseyd::report {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

double Ms(nanoseconds v) { return static_cast<double>(v.count()) / 1e6; }

TEST(LatencyHistogramTest, UniformDataHasKnownPercentilesWithinOnePercent) {
  LatencyHistogram h;
  for (int us = 1; us <= 10000; ++us) h.Record(microseconds(us));
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_NEAR(Ms(h.ValueAtPercentile(50)), 5.0, 5.0 * 0.01);
  EXPECT_NEAR(Ms(h.ValueAtPercentile(99)), 9.9, 9.9 * 0.01);
  EXPECT_NEAR(Ms(h.ValueAtPercentile(99.9)), 9.99, 9.99 * 0.01);
  EXPECT_DOUBLE_EQ(h.MeanNs(), 5000.5 * 1000);  // exact, from running sums
  // Population stddev of 1..N is sqrt((N^2 - 1) / 12).
  EXPECT_NEAR(h.StddevNs(), std::sqrt((1e8 - 1) / 12.0) * 1000, 1.0);
  EXPECT_EQ(h.min(), microseconds(1));
  EXPECT_EQ(h.max(), microseconds(10000));
}

TEST(LatencyHistogramTest, EveryValueComesBackWithinOnePercent) {
  for (int64_t v : {1LL, 127LL, 128LL, 129LL, 1000LL, 123457LL, 98765432LL, 3600000000000LL}) {
    LatencyHistogram h;
    h.Record(nanoseconds(v));
    h.Record(nanoseconds(v * 2));  // so min/max clamping does not hide the bucket error
    const auto p0 = static_cast<double>(h.ValueAtPercentile(10).count());
    EXPECT_NEAR(p0, static_cast<double>(v), static_cast<double>(v) * 0.01) << v;
  }
}

TEST(LatencyHistogramTest, SingleValueEmptyAndNegative) {
  LatencyHistogram empty;
  EXPECT_EQ(empty.ValueAtPercentile(99), nanoseconds(0));
  EXPECT_EQ(Summarize(empty).n, 0u);

  LatencyHistogram one;
  one.Record(microseconds(1234));
  const LatencySummary s = Summarize(one);
  EXPECT_EQ(s.n, 1u);
  EXPECT_DOUBLE_EQ(s.max_ms, 1.234);
  EXPECT_DOUBLE_EQ(s.p99_ms, 1.234);  // clamped to the exact min/max
  EXPECT_DOUBLE_EQ(s.stddev_ms, 0);

  LatencyHistogram negative;
  negative.Record(nanoseconds(-5));
  EXPECT_EQ(negative.min(), nanoseconds(0));
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (int i = 1; i <= 500; ++i) {
    a.Record(microseconds(i));
    all.Record(microseconds(i));
  }
  for (int i = 501; i <= 1000; ++i) {
    b.Record(microseconds(i * 3));
    all.Record(microseconds(i * 3));
  }
  a.Merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.ValueAtPercentile(90), all.ValueAtPercentile(90));
  EXPECT_DOUBLE_EQ(a.MeanNs(), all.MeanNs());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.NonEmptyBuckets().size(), all.NonEmptyBuckets().size());
}

TEST(LeastSquaresSlopeTest, ExactNoisyAndTooFewPoints) {
  std::vector<std::pair<double, double>> line;
  for (int x = 0; x < 10; ++x) line.emplace_back(x, 3.0 * x + 7);
  EXPECT_DOUBLE_EQ(LeastSquaresSlope(line), 3.0);

  std::vector<std::pair<double, double>> noisy;
  for (int x = 0; x < 100; ++x) noisy.emplace_back(x, 2.0 * x + ((x % 2) ? 1.0 : -1.0));
  EXPECT_NEAR(LeastSquaresSlope(noisy), 2.0, 0.01);

  EXPECT_EQ(LeastSquaresSlope(std::vector<std::pair<double, double>>{{1, 5}}), 0);
  EXPECT_EQ(LeastSquaresSlope(std::vector<std::pair<double, double>>{{1, 5}, {1, 9}}), 0);
}

TEST(JudgeTest, BandsAtTheEdges) {
  EXPECT_EQ(Judge(5.0, 5.0, Comparison::kAtMost), Verdict::kPass);
  EXPECT_EQ(Judge(6.0, 5.0, Comparison::kAtMost), Verdict::kWarn);  // exactly 20 % past
  EXPECT_EQ(Judge(6.01, 5.0, Comparison::kAtMost), Verdict::kFail);
  EXPECT_EQ(Judge(100, 100, Comparison::kAtLeast), Verdict::kPass);
  EXPECT_EQ(Judge(80, 100, Comparison::kAtLeast), Verdict::kWarn);
  EXPECT_EQ(Judge(79.9, 100, Comparison::kAtLeast), Verdict::kFail);
  EXPECT_EQ(Judge(1, 0, Comparison::kAtMost), Verdict::kFail);  // lost: any is too many
  EXPECT_EQ(VerdictName(Verdict::kNotRun), "NOT RUN");
}

TEST(JudgeTest, Headroom) {
  EXPECT_DOUBLE_EQ(Headroom(2.5, 5, Comparison::kAtMost), 2.0);
  EXPECT_DOUBLE_EQ(Headroom(300, 100, Comparison::kAtLeast), 3.0);
  EXPECT_TRUE(std::isinf(Headroom(0, 5, Comparison::kAtMost)));
}

}  // namespace
}  // namespace roseyd::report
