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

// The textbook band for independent residuals: slope -/+ t(n-2) * SE.
std::pair<double, double> IndependentBand(const std::vector<std::pair<double, double>>& points) {
  const double n = static_cast<double>(points.size());
  double mx = 0, my = 0;
  for (const auto& [x, y] : points) {
    mx += x / n;
    my += y / n;
  }
  double sxx = 0, sxy = 0;
  for (const auto& [x, y] : points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  const double b = sxy / sxx;
  double sse = 0;
  for (const auto& [x, y] : points) sse += std::pow(y - my - b * (x - mx), 2);
  const double half = StudentT95(n - 2) * std::sqrt(sse / (n - 2) / sxx);
  return {b - half, b + half};
}

TEST(FitLineTest, AnExactLineHasNoBand) {
  std::vector<std::pair<double, double>> line;
  for (int x = 0; x < 10; ++x) line.emplace_back(x, 3.0 * x + 7);
  const LineFit fit = FitLine(line);
  EXPECT_DOUBLE_EQ(fit.slope, 3.0);
  EXPECT_DOUBLE_EQ(fit.slope_low, 3.0);
  EXPECT_DOUBLE_EQ(fit.slope_high, 3.0);
  EXPECT_DOUBLE_EQ(fit.center_x, 4.5);
  EXPECT_DOUBLE_EQ(fit.center_y, 3.0 * 4.5 + 7);
}

TEST(FitLineTest, ASeriesThatNeverMovedKeepsItsResolutionsUncertainty) {
  // RssAnon flat to the page for 30 samples: flat, but only to within a page.
  std::vector<std::pair<double, double>> flat;
  for (int x = 0; x < 30; ++x) flat.emplace_back(x, 40);
  const LineFit exact = FitLine(flat);
  EXPECT_EQ(exact.slope_low, 0);
  EXPECT_EQ(exact.slope_high, 0);
  const LineFit paged = FitLine(flat, 1.0);
  double sxx = 0;
  for (int x = 0; x < 30; ++x) sxx += (x - 14.5) * (x - 14.5);
  EXPECT_NEAR(paged.slope_high, StudentT95(28) * std::sqrt(1.0 / 12 / sxx), 1e-12);
  EXPECT_NEAR(paged.slope_low, -paged.slope_high, 1e-12);
  // Noise larger than the resolution: the resolution changes nothing.
  std::vector<std::pair<double, double>> noisy;
  for (int x = 0; x < 12; ++x) noisy.emplace_back(x, (x % 2) ? 5.0 : -5.0);
  EXPECT_DOUBLE_EQ(FitLine(noisy, 1.0).slope_high, FitLine(noisy).slope_high);
}

TEST(FitLineTest, IndependentResidualsGiveTheTextbookBand) {
  // Residuals that alternate in sign: no positive autocorrelation to allow for.
  std::vector<std::pair<double, double>> noisy;
  for (int x = 0; x < 12; ++x)
    noisy.emplace_back(x, 0.5 * x + ((x % 2) ? 0.8 : -0.8) + (x % 3) * 0.1);
  const LineFit fit = FitLine(noisy);
  ASSERT_LE(fit.lag1_autocorrelation, 0);
  EXPECT_DOUBLE_EQ(fit.effective_n, 12);
  const auto [low, high] = IndependentBand(noisy);
  EXPECT_NEAR(fit.slope_low, low, 1e-12);
  EXPECT_NEAR(fit.slope_high, high, 1e-12);
  EXPECT_LT(fit.slope_low, 0.5);
  EXPECT_GT(fit.slope_high, 0.5);
}

TEST(FitLineTest, CorrelatedResidualsWidenTheBand) {
  // A wave around a slow rise, as RSS steps with the allocator: successive
  // samples are far from independent (r1 about 0.54, 18 effective of 60).
  std::vector<std::pair<double, double>> wave;
  for (int x = 0; x < 60; ++x) wave.emplace_back(x, 40 + 0.01 * x + std::sin(x));
  const LineFit fit = FitLine(wave);
  EXPECT_NEAR(fit.lag1_autocorrelation, 0.54, 0.01);
  EXPECT_NEAR(fit.effective_n, 17.8, 0.1);
  const auto [low, high] = IndependentBand(wave);
  EXPECT_GT(fit.slope_high - fit.slope_low, 1.5 * (high - low));
  EXPECT_TRUE(std::isfinite(fit.slope_low) && std::isfinite(fit.slope_high));
}

TEST(FitLineTest, UnderThreeEffectiveSamplesTheBandIsUnbounded) {
  // One slow swing over the whole window: an hour of it says little more
  // than its two ends.
  std::vector<std::pair<double, double>> swing;
  for (int x = 0; x < 60; ++x) swing.emplace_back(x, 40 + std::sin(x / 6.0));
  const LineFit fit = FitLine(swing);
  EXPECT_LT(fit.effective_n, 2);
  EXPECT_TRUE(std::isinf(fit.slope_low) && fit.slope_low < 0) << fit.slope_low;
  EXPECT_TRUE(std::isinf(fit.slope_high) && fit.slope_high > 0) << fit.slope_high;
}

TEST(FitLineTest, StudentTQuantiles) {
  EXPECT_DOUBLE_EQ(StudentT95(1), 12.706);
  EXPECT_DOUBLE_EQ(StudentT95(10), 2.228);
  EXPECT_DOUBLE_EQ(StudentT95(30), 2.042);
  EXPECT_NEAR(StudentT95(60), 2.0003, 5e-4);
  EXPECT_NEAR(StudentT95(120), 1.9799, 5e-4);
  EXPECT_NEAR(StudentT95(1e6), 1.96, 1e-3);
  EXPECT_GT(StudentT95(2.5), StudentT95(3));  // between the table's rows
  EXPECT_LT(StudentT95(2.5), StudentT95(2));
  EXPECT_DOUBLE_EQ(StudentT95(0.2), StudentT95(1));  // clamped to one degree of freedom
}

TEST(JudgeTest, DisturbedRanksBetweenWarnAndFail) {
  EXPECT_EQ(VerdictName(Verdict::kDisturbed), "DISTURBED");
  EXPECT_EQ(WorseVerdict(Verdict::kPass, Verdict::kDisturbed), Verdict::kDisturbed);
  EXPECT_EQ(WorseVerdict(Verdict::kDisturbed, Verdict::kWarn), Verdict::kDisturbed);
  EXPECT_EQ(WorseVerdict(Verdict::kDisturbed, Verdict::kFail), Verdict::kFail);
  EXPECT_EQ(WorseVerdict(Verdict::kNotRun, Verdict::kFail), Verdict::kNotRun);
  // The gauge's numbers stay as dashboards read them.
  EXPECT_EQ(static_cast<int>(Verdict::kNotRun), 3);
  EXPECT_EQ(static_cast<int>(Verdict::kDisturbed), 4);
}

TEST(JudgeTest, CancelledIsAVerdictOfItsOwnRankedLast) {
  EXPECT_EQ(VerdictName(Verdict::kCancelled), "CANCELLED");
  EXPECT_EQ(WorseVerdict(Verdict::kCancelled, Verdict::kNotRun), Verdict::kCancelled);
  EXPECT_EQ(WorseVerdict(Verdict::kFail, Verdict::kCancelled), Verdict::kCancelled);
  // The gauge's number, mapped to CANCELLED by the dashboards.
  EXPECT_EQ(static_cast<int>(Verdict::kCancelled), 5);
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
