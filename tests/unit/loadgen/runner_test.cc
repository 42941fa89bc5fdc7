#include "loadgen/runner.h"

#include <gtest/gtest.h>

#include "unit/loadgen/fake_target.h"

namespace roseyd::loadgen {
namespace {

using report::Comparison;
using report::Verdict;

report::Figure Measured(std::string metric, double value) {
  report::Figure f;
  f.metric = std::move(metric);
  f.value = value;
  return f;
}

TEST(JudgeScenarioTest, EachTargetJudgesItsFigureAndTheWorstVerdictWins) {
  ScenarioSpec spec;
  spec.targets = {{"mean_latency_ms", 5, Comparison::kAtMost},
                  {"persisted_per_second", 100, Comparison::kAtLeast}};
  report::ScenarioResult result;
  result.figures = {Measured("mean_latency_ms", 5.5), Measured("persisted_per_second", 200),
                    Measured("lost", 0)};
  Judge(spec, &result);
  EXPECT_EQ(result.figures[0].verdict, Verdict::kWarn);
  EXPECT_DOUBLE_EQ(*result.figures[0].target, 5);
  EXPECT_DOUBLE_EQ(result.figures[1].headroom, 2);
  EXPECT_EQ(result.figures[1].verdict, Verdict::kPass);
  EXPECT_FALSE(result.figures[2].target.has_value());  // no target: reported, not judged
  EXPECT_EQ(result.status, Verdict::kWarn);
}

TEST(JudgeScenarioTest, AFigureNeverMeasuredIsAddedAsNotRun) {
  ScenarioSpec spec;
  spec.targets = {{"p99_latency_ms", 10, Comparison::kAtMost}};
  report::ScenarioResult result;
  Judge(spec, &result);
  ASSERT_EQ(result.figures.size(), 1u);
  EXPECT_EQ(result.figures[0].metric, "p99_latency_ms");
  EXPECT_EQ(result.figures[0].verdict, Verdict::kNotRun);
  EXPECT_EQ(result.status, Verdict::kNotRun);

  ScenarioSpec untargeted;
  report::ScenarioResult measured;
  measured.figures = {Measured("lost", 3)};
  Judge(untargeted, &measured);
  EXPECT_EQ(measured.status, Verdict::kPass);  // nothing to judge
}

TEST(RunnerTest, InProcessOnlyScenariosAreInapplicableToAnotherProcess) {
  FakeTarget target;
  target.in_process = false;
  Runner runner(&target, nullptr);
  ScenarioSpec spec;
  spec.name = "cpu_overhead";
  spec.kind = ScenarioKind::kCpuOverhead;
  spec.priority = report::Priority::kP0;
  const report::ScenarioResult result = runner.RunScenario(spec);
  EXPECT_EQ(result.status, Verdict::kNotRun);
  EXPECT_TRUE(result.inapplicable);
  EXPECT_NE(result.note.find("the service is another process"), std::string::npos) << result.note;
}

TEST(RunnerTest, AScenarioThatCannotRunIsNotRunWithTheReason) {
  FakeTarget target;  // nothing listens at its NATS URL
  Runner runner(&target, nullptr);
  ScenarioSpec spec;
  spec.name = "single_event_latency";
  spec.kind = ScenarioKind::kEvents;
  spec.targets = {{"mean_latency_ms", 5, Comparison::kAtMost}};
  const report::ScenarioResult result = runner.RunScenario(spec);
  EXPECT_EQ(result.status, Verdict::kNotRun);
  EXPECT_FALSE(result.inapplicable);
  EXPECT_EQ(result.note.rfind("could not run: ", 0), 0u) << result.note;
  EXPECT_TRUE(target.listeners.empty());
  EXPECT_EQ(runner.CurrentScenario(), "");
}

}  // namespace
}  // namespace roseyd::loadgen
