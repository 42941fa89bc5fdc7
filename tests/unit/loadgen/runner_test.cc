#include "loadgen/runner.h"

#include <cmath>

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

// A result whose window's floor moved (or not).
report::ScenarioResult Noisy(bool moved) {
  report::ScenarioResult result;
  result.noise.emplace();
  result.noise->moved = moved;
  result.noise->why = moved ? "echo floor p99 3 ms against 0.4 ms idle" : "";
  return result;
}

TEST(JudgeScenarioTest, ATimingTargetMissedWhileTheFloorMovedIsDisturbed) {
  ScenarioSpec spec;
  spec.targets = {{"p95_latency_ms", 10, Comparison::kAtMost},
                  {"mean_latency_ms", 5, Comparison::kAtMost},
                  {"ready_to_first_commit_ms", 100, Comparison::kAtMost}};
  report::ScenarioResult result = Noisy(true);
  result.figures = {Measured("p95_latency_ms", 25), Measured("mean_latency_ms", 5.5),
                    Measured("ready_to_first_commit_ms", 40)};
  Judge(spec, &result);
  EXPECT_EQ(result.figures[0].verdict, Verdict::kDisturbed);  // a FAIL
  EXPECT_EQ(result.figures[1].verdict, Verdict::kDisturbed);  // a WARN
  EXPECT_EQ(result.figures[2].verdict, Verdict::kPass);       // met: nothing to excuse
  EXPECT_EQ(result.status, Verdict::kDisturbed);

  report::ScenarioResult quiet = Noisy(false);
  quiet.figures = {Measured("p95_latency_ms", 25), Measured("mean_latency_ms", 5.5),
                   Measured("ready_to_first_commit_ms", 40)};
  Judge(spec, &quiet);
  EXPECT_EQ(quiet.figures[0].verdict, Verdict::kFail) << "a quiet floor: roseyd's miss";
  EXPECT_EQ(quiet.figures[1].verdict, Verdict::kWarn);
  EXPECT_EQ(quiet.status, Verdict::kFail);
}

TEST(JudgeScenarioTest, LostFailedRequestsAndWrongRowsAreNeverDisturbed) {
  ScenarioSpec spec;
  spec.targets = {{"p95_latency_ms", 10, Comparison::kAtMost},
                  {"lost", 0, Comparison::kAtMost},
                  {"failed_requests", 0, Comparison::kAtMost},
                  {"rows_wrong", 0, Comparison::kAtMost},
                  {"rss_slope_mib_per_hour", 5, Comparison::kAtMost}};
  report::ScenarioResult result = Noisy(true);
  result.figures = {Measured("p95_latency_ms", 25), Measured("lost", 3),
                    Measured("failed_requests", 1), Measured("rows_wrong", 1),
                    Measured("rss_slope_mib_per_hour", 50)};
  Judge(spec, &result);
  EXPECT_EQ(result.figures[0].verdict, Verdict::kDisturbed);
  for (size_t i = 1; i < result.figures.size(); ++i) {
    EXPECT_EQ(result.figures[i].verdict, Verdict::kFail) << result.figures[i].metric;
  }
  EXPECT_EQ(result.status, Verdict::kFail) << "a failure noise cannot excuse stays the status";
}

TEST(JudgeScenarioTest, AnInfiniteTimingFigureIsNoMatterOfNoise) {
  // No commit after the restart, or a burst that lost events: not late, absent.
  ScenarioSpec spec;
  spec.targets = {{"ready_to_first_commit_ms", 100, Comparison::kAtMost},
                  {"all_persisted_s", 1, Comparison::kAtMost},
                  {"capacity_events_per_second", 1000, Comparison::kAtLeast}};
  report::ScenarioResult result = Noisy(true);
  result.figures = {Measured("ready_to_first_commit_ms", INFINITY),
                    Measured("all_persisted_s", 1.5), Measured("capacity_events_per_second", 0)};
  Judge(spec, &result);
  EXPECT_EQ(result.figures[0].verdict, Verdict::kFail);
  EXPECT_EQ(result.figures[1].verdict, Verdict::kDisturbed);
  EXPECT_EQ(result.figures[2].verdict, Verdict::kDisturbed);
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

TEST(RunnerTest, ATargetThatCannotBeginMakesEveryScenarioNotRunWithTheReason) {
  FakeTarget target;
  target.begin_error = "scratch folder not writable";
  Runner runner(&target, nullptr);
  RunRequest request;
  request.scenarios = {"burst", "single_event_latency"};
  const report::RunReport report = runner.RunSuite(LoadScenarios(""), request);
  ASSERT_EQ(report.scenarios.size(), 2u);
  for (const auto& s : report.scenarios) {
    EXPECT_EQ(s.status, Verdict::kNotRun);
    EXPECT_NE(s.note.find("scratch folder not writable"), std::string::npos) << s.note;
  }
  EXPECT_EQ(target.runs_begun, 1);
  EXPECT_EQ(target.runs_ended, 1);  // EndRun whatever happened
  EXPECT_NE(report.environment.config_yaml.find("fake: \"target\""), std::string::npos)
      << "the report's config is the target's";
}

TEST(RunnerTest, EveryRunBeginsAndEndsOnceAndSaysWhetherItWasCancelled) {
  FakeTarget target;  // nothing listens at its URL: the scenarios cannot run
  Runner runner(&target, nullptr);
  RunRequest request;
  request.scenarios = {"burst"};
  report::RunReport report = runner.RunSuite(LoadScenarios(""), request);
  EXPECT_EQ(target.runs_begun, 1);
  EXPECT_EQ(target.runs_ended, 1);
  EXPECT_FALSE(report.cancelled);
  runner.Cancel();
  report = runner.RunSuite(LoadScenarios(""), request);
  EXPECT_TRUE(report.cancelled);
  EXPECT_EQ(report.scenarios[0].note, "cancelled before it started");
  EXPECT_EQ(report.scenarios[0].status, Verdict::kCancelled);
  EXPECT_EQ(target.runs_ended, 2);
  RunRequest unknown;
  unknown.suite = "no_such_suite";
  EXPECT_THROW(runner.RunSuite(LoadScenarios(""), unknown), std::invalid_argument);
  EXPECT_EQ(target.runs_begun, 2) << "an unknown suite is refused before the target begins";
}

TEST(RunnerTest, ProgressNamesTheRunsShape) {
  FakeTarget target;
  Runner runner(&target, nullptr);
  EXPECT_EQ(runner.Progress().total, 0);
  RunRequest request;
  request.scenarios = {"burst", "capacity"};
  (void)runner.RunSuite(LoadScenarios(""), request);
  const RunProgress p = runner.Progress();
  EXPECT_EQ(p.total, 2);
  EXPECT_EQ(p.index, 2);  // both done
  EXPECT_EQ(p.scenario, "");
  EXPECT_GT(p.run_elapsed_s, 0);
}

TEST(ApplyOverridesTest, RateAndDurationSetPacedScenariosOnly) {
  RunRequest request;
  request.rate = 250;
  request.duration = std::chrono::milliseconds(3000);
  ScenarioSpec paced;
  paced.kind = ScenarioKind::kEvents;
  paced.rate = 1000;
  paced.events = 5000;
  std::string note;
  ApplyOverrides(request, &paced, &note);
  EXPECT_DOUBLE_EQ(paced.rate, 250);
  EXPECT_EQ(paced.EventCount(), 750);  // the duration decides the count now
  EXPECT_EQ(note, "set by the request: rate 250 ev/s, duration 3000 ms");
  for (const ScenarioKind kind : {ScenarioKind::kBurst, ScenarioKind::kCapacity}) {
    ScenarioSpec unpaced;
    unpaced.kind = kind;
    unpaced.rate = 1000;
    std::string untouched;
    ApplyOverrides(request, &unpaced, &untouched);
    EXPECT_DOUBLE_EQ(unpaced.rate, 1000);
    EXPECT_EQ(untouched, "");
  }
}

}  // namespace
}  // namespace roseyd::loadgen
