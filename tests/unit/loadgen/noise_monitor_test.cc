// The rule that says when a scenario's figures were taken while the floor
// moved (JudgeNoise); the monitor itself, against a real nats-server, is in
// noise_echo_test.cc.

#include "loadgen/noise_monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roseyd::loadgen {
namespace {

using ::testing::HasSubstr;

report::NoiseWindow Floor(double p99_ms, uint64_t probes = 250, double steal = 0) {
  report::NoiseWindow w;
  w.floor_n = probes;
  w.floor_p50_ms = p99_ms / 3;
  w.floor_p99_ms = p99_ms;
  w.steal_percent = steal;
  return w;
}

TEST(JudgeNoiseTest, TheFloorMovedWhenItsP99PassedBothTwiceIdleAndIdlePlusTheMargin) {
  const report::NoiseWindow idle = Floor(0.4);
  EXPECT_FALSE(JudgeNoise(idle, Floor(4.2), false).moved)
      << "ten times idle, but a scheduler tick: under idle + 5 ms";
  EXPECT_FALSE(JudgeNoise(idle, Floor(5.35), false).moved);
  const report::ScenarioNoise moved = JudgeNoise(idle, Floor(5.5), false);
  EXPECT_TRUE(moved.moved);
  EXPECT_THAT(moved.why, HasSubstr("echo floor p99 5.5 ms against 0.4 ms idle"));
  EXPECT_EQ(moved.window.floor_p99_ms, 5.5);
  // On a slow floor the ratio decides: 8 ms idle, 15.9 ms is under twice it.
  EXPECT_FALSE(JudgeNoise(Floor(8), Floor(15.9), false).moved);
  EXPECT_TRUE(JudgeNoise(Floor(8), Floor(16.1), false).moved);
}

TEST(JudgeNoiseTest, StealAloneMovesTheFloorForEveryScenario) {
  const report::ScenarioNoise stolen = JudgeNoise(Floor(0.4), Floor(0.4, 250, 12.5), false);
  EXPECT_TRUE(stolen.moved);
  EXPECT_THAT(stolen.why, HasSubstr("CPU steal 12.5 %"));
  EXPECT_FALSE(JudgeNoise(Floor(0.4), Floor(0.4, 250, 9.9), false).moved);
  EXPECT_TRUE(JudgeNoise(Floor(0.4), Floor(0.4, 250, 12.5), true).moved);
}

TEST(JudgeNoiseTest, ASaturatingScenarioIsJudgedOnStealNotOnTheEchoItRaisesItself) {
  const report::ScenarioNoise burst = JudgeNoise(Floor(0.4), Floor(20), true);
  EXPECT_FALSE(burst.moved);
  EXPECT_TRUE(burst.by_steal_only);
  EXPECT_EQ(burst.why, "");
}

TEST(JudgeNoiseTest, TooFewProbesSayNothingOfAP99) {
  EXPECT_FALSE(JudgeNoise(Floor(0.4), Floor(20, kMinFloorProbes - 1), false).moved);
  EXPECT_FALSE(JudgeNoise(Floor(0.4, kMinFloorProbes - 1), Floor(20), false).moved)
      << "no idle floor to compare with";
  EXPECT_TRUE(JudgeNoise(Floor(0.4), Floor(20, kMinFloorProbes), false).moved);
}

TEST(JudgeNoiseTest, TheRuleInWordsNamesItsConstants) {
  const std::string rule = NoiseRuleText();
  EXPECT_THAT(rule, HasSubstr("2 × the idle floor's p99"));
  EXPECT_THAT(rule, HasSubstr("idle p99 + 5 ms"));
  EXPECT_THAT(rule, HasSubstr("steal exceeded 10 %"));
}

}  // namespace
}  // namespace roseyd::loadgen
