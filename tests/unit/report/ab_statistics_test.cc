#include "report/ab_statistics.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace roseyd::report {
namespace {

constexpr double kTolerance = 0.05;

// `rounds` pairs around 100 with multiplicative noise of `noise` (a
// fraction, normal), the candidate shifted by `shift`; a drift common to
// both sides of a round, as a busy neighbour that comes and goes.
AbSamples Timed(std::mt19937* rng, int rounds, double noise, double shift, double drift = 0) {
  std::normal_distribution<double> n(0, noise);
  std::normal_distribution<double> d(0, drift);
  AbSamples s;
  for (int i = 0; i < rounds; ++i) {
    const double common = 1 + d(*rng);
    s.base.push_back(100 * common * (1 + n(*rng)));
    s.candidate.push_back(100 * common * (1 + shift) * (1 + n(*rng)));
  }
  return s;
}

TEST(AbStatisticsTest, MedianOfOddEvenAndEmpty) {
  EXPECT_EQ(Median({3, 1, 2}), 2);
  EXPECT_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(Median({}), 0);
}

TEST(AbStatisticsTest, AKnownShiftIsFound) {
  std::mt19937 rng(1);
  int slower = 0;
  for (int trial = 0; trial < 100; ++trial) {
    const AbResult r = CompareAb(Timed(&rng, 12, 0.03, 0.10), kTolerance);
    if (r.verdict == AbVerdict::kSlower) ++slower;
    EXPECT_NE(r.verdict, AbVerdict::kFaster);
  }
  EXPECT_GE(slower, 95);
}

TEST(AbStatisticsTest, TheShiftsSizeIsInTheInterval) {
  std::mt19937 rng(2);
  const AbResult r = CompareAb(Timed(&rng, 20, 0.02, 0.10), kTolerance);
  EXPECT_EQ(r.verdict, AbVerdict::kSlower);
  EXPECT_LT(r.ci_low, 1.10);
  EXPECT_GT(r.ci_high, 1.10);
  EXPECT_NEAR(r.ratio, 1.10, 0.03);
  EXPECT_LT(r.p_value, 0.01);
}

TEST(AbStatisticsTest, HigherIsBetterTurnsTheDirection) {
  std::mt19937 rng(3);
  AbSamples s = Timed(&rng, 12, 0.02, -0.15);  // throughput down 15 %
  s.higher_is_better = true;
  EXPECT_EQ(CompareAb(s, kTolerance).verdict, AbVerdict::kSlower);
  s.higher_is_better = false;  // a latency down 15 %
  EXPECT_EQ(CompareAb(s, kTolerance).verdict, AbVerdict::kFaster);
}

// The A/A case: equal distributions are called the same, and slower at most
// at the test's rate (0.5 % one-sided), drift or not.
TEST(AbStatisticsTest, EqualDistributionsAreTheSame) {
  std::mt19937 rng(4);
  int same = 0;
  int slower = 0;
  constexpr int kTrials = 400;
  for (int trial = 0; trial < kTrials; ++trial) {
    const AbResult r = CompareAb(Timed(&rng, 12, 0.01, 0, /*drift=*/0.2), kTolerance);
    if (r.verdict == AbVerdict::kSame) ++same;
    if (r.verdict == AbVerdict::kSlower) ++slower;
  }
  EXPECT_GE(same, kTrials * 95 / 100);
  EXPECT_LE(slower, kTrials / 100);
}

TEST(AbStatisticsTest, HeavyTailedEqualSamplesRarelyCallSlower) {
  std::mt19937 rng(5);
  std::cauchy_distribution<double> tail(0, 0.02);
  int slower = 0;
  constexpr int kTrials = 400;
  for (int trial = 0; trial < kTrials; ++trial) {
    AbSamples s;
    for (int i = 0; i < 10; ++i) {
      s.base.push_back(100 * std::exp(tail(rng)));
      s.candidate.push_back(100 * std::exp(tail(rng)));
    }
    if (CompareAb(s, kTolerance).verdict == AbVerdict::kSlower) ++slower;
  }
  EXPECT_LE(slower, kTrials / 100);
}

// Each side jumps between two levels 50 % apart (a neighbour's load that
// comes and goes faster than a round): too noisy to say anything.
TEST(AbStatisticsTest, ABimodalNoisySampleIsDisturbed) {
  std::mt19937 rng(6);
  std::bernoulli_distribution mode(0.5);
  std::normal_distribution<double> n(0, 0.01);
  int disturbed = 0;
  for (int trial = 0; trial < 100; ++trial) {
    AbSamples s;
    for (int i = 0; i < 10; ++i) {
      s.base.push_back(100 * (mode(rng) ? 1.5 : 1.0) * (1 + n(rng)));
      s.candidate.push_back(100 * (mode(rng) ? 1.5 : 1.0) * (1 + n(rng)));
    }
    const AbResult r = CompareAb(s, kTolerance);
    if (r.verdict == AbVerdict::kDisturbed) ++disturbed;
    EXPECT_NE(r.verdict, AbVerdict::kSame) << "claimed the same despite noise hiding "
                                           << r.detectable;
    EXPECT_GT(r.detectable, kTolerance);
  }
  EXPECT_GE(disturbed, 95);
}

TEST(AbStatisticsTest, TooFewRoundsAreDisturbed) {
  std::mt19937 rng(7);
  const AbResult r = CompareAb(Timed(&rng, kMinTimedRounds - 1, 0.01, 0.5), kTolerance);
  EXPECT_EQ(r.verdict, AbVerdict::kDisturbed);
  EXPECT_NE(r.why.find("rounds"), std::string::npos);
}

TEST(AbStatisticsTest, SlowerBeyondToleranceOnlyWhenTheWholeIntervalIsPastIt) {
  std::mt19937 rng(8);
  const AbResult far = CompareAb(Timed(&rng, 12, 0.01, 0.30), kTolerance);
  EXPECT_TRUE(far.slower_beyond_tolerance);
  const AbResult near = CompareAb(Timed(&rng, 12, 0.005, 0.02), kTolerance);
  EXPECT_EQ(near.verdict, AbVerdict::kSlower);
  EXPECT_FALSE(near.slower_beyond_tolerance);
}

TEST(AbStatisticsTest, CountsFromZeroCompareByDifference) {
  AbSamples s;
  s.base.assign(10, 0);
  s.candidate.assign(10, 0);
  EXPECT_EQ(CompareAb(s, kTolerance).verdict, AbVerdict::kSame);
  s.candidate.assign(10, 3);  // events lost where none were
  const AbResult r = CompareAb(s, kTolerance);
  EXPECT_EQ(r.verdict, AbVerdict::kSlower);
  EXPECT_TRUE(std::isinf(r.ratio));
}

AbSamples Counted(std::vector<double> base, std::vector<double> candidate) {
  AbSamples s;
  s.base = std::move(base);
  s.candidate = std::move(candidate);
  s.counted = true;
  return s;
}

TEST(AbStatisticsTest, InstructionCountsOfOneBinaryAreTheSame) {
  const AbResult r = CompareAb(Counted({21655, 21660}, {21650, 21668}), kTolerance);
  EXPECT_EQ(r.verdict, AbVerdict::kSame);
  EXPECT_EQ(r.detectable, kCountResolution);
}

TEST(AbStatisticsTest, AFivePercentInstructionIncreaseIsSlower) {
  const AbResult r = CompareAb(Counted({20000, 20010}, {21000, 21012}), kTolerance);
  EXPECT_EQ(r.verdict, AbVerdict::kSlower);
  EXPECT_NEAR(r.ratio, 1.05, 0.001);
  EXPECT_FALSE(r.slower_beyond_tolerance);  // 5 % is not past a 5 % tolerance
  EXPECT_TRUE(CompareAb(Counted({20000}, {22000}), kTolerance).slower_beyond_tolerance);
}

TEST(AbStatisticsTest, CountsThatMoveBetweenRoundsAreDisturbed) {
  const AbResult r = CompareAb(Counted({20000, 20600}, {20000, 20010}), kTolerance);
  EXPECT_EQ(r.verdict, AbVerdict::kDisturbed);
}

}  // namespace
}  // namespace roseyd::report
