#include "report/ab_comparison.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace roseyd::report {
namespace {

using ::testing::HasSubstr;

Figure MakeFigure(const std::string& metric, double value, std::optional<double> target = {},
                  Comparison comparison = Comparison::kAtMost) {
  Figure f;
  f.metric = metric;
  f.value = value;
  f.target = target;
  f.comparison = comparison;
  return f;
}

ScenarioResult Scenario(const std::string& name, std::vector<Figure> figures,
                        Verdict status = Verdict::kPass) {
  ScenarioResult s;
  s.name = name;
  s.status = status;
  s.figures = std::move(figures);
  return s;
}

// A run of one side in one round with the burst's time, its CPU, and the
// events' instruction count.
AbRun Run(int round, const std::string& role, double seconds, double instructions) {
  AbRun run;
  run.phase = "timed";
  run.round = round;
  run.role = role;
  RunReport report;
  report.scenarios.push_back(Scenario("cost_events_sqlite",
                                      {MakeFigure("instructions_per_event", instructions)}));
  report.scenarios.push_back(Scenario(
      "burst", {MakeFigure("all_persisted_s", seconds, 1.0), MakeFigure("p50_latency_ms", 3),
                MakeFigure("persisted_per_second", 20000 / seconds)}));
  report.environment.roseyd_version = "0.1.0";
  run.report = report;
  return run;
}

AbComparison Comparison(double candidate_factor, double instruction_factor, int rounds = 10) {
  AbComparison c;
  c.rounds = rounds;
  c.scenarios = {"cost_events_sqlite", "burst"};
  for (int r = 1; r <= rounds; ++r) {
    const double noise = 1 + 0.01 * ((r * 7) % 5 - 2);  // a little, the same on both sides
    c.runs.push_back(Run(r, "base", 0.25 * noise, 21650 + r));
    c.runs.push_back(Run(r, "candidate", 0.25 * noise * candidate_factor,
                         21650 * instruction_factor + r));
  }
  CompareRuns(&c);
  return c;
}

const AbFigure& Find(const AbComparison& c, const std::string& scenario, const std::string& metric) {
  for (const AbFigure& f : c.figures) {
    if (f.scenario == scenario && f.metric == metric) return f;
  }
  throw std::runtime_error("no figure " + scenario + " " + metric);
}

TEST(AbComparisonTest, PairsRoundsAndJudgesTargetsAndCosts) {
  const AbComparison c = Comparison(1.0, 1.0);
  const AbFigure& burst = Find(c, "burst", "all_persisted_s");
  EXPECT_TRUE(burst.judged);
  EXPECT_FALSE(burst.counted);
  EXPECT_EQ(burst.base.size(), 10u);
  EXPECT_EQ(burst.result.verdict, AbVerdict::kSame);
  const AbFigure& cost = Find(c, "cost_events_sqlite", "instructions_per_event");
  EXPECT_TRUE(cost.judged);
  EXPECT_TRUE(cost.counted);
  EXPECT_EQ(cost.result.verdict, AbVerdict::kSame);
  EXPECT_FALSE(Find(c, "burst", "p50_latency_ms").judged);  // no target, no cost
  EXPECT_TRUE(Find(c, "burst", "persisted_per_second").higher_is_better);
  EXPECT_EQ(c.figures.front().metric, "instructions_per_event");  // judged, counted first
  EXPECT_EQ(AbExitStatus(c), 0);
}

TEST(AbComparisonTest, EveryRateIsHigherIsBetter) {
  for (const char* rate : {"persisted_per_second", "persisted_per_second_min",
                           "persisted_per_second_max", "ops_per_second",
                           "capacity_events_per_second"}) {
    EXPECT_TRUE(HigherIsBetter(MakeFigure(rate, 1))) << rate;
  }
  for (const char* cost : {"all_persisted_s", "cpu_us_per_event", "p95_latency_ms",
                           "instructions_per_event", "rss_slope_mib_per_hour"}) {
    EXPECT_FALSE(HigherIsBetter(MakeFigure(cost, 1))) << cost;
  }
  EXPECT_TRUE(HigherIsBetter(MakeFigure("p95_latency_ms", 1, 5, Comparison::kAtLeast)));
}

TEST(AbComparisonTest, ASlowerCandidateFailsOnlyPastTheTolerance) {
  AbComparison c = Comparison(1.3, 1.0);
  EXPECT_EQ(Find(c, "burst", "all_persisted_s").result.verdict, AbVerdict::kSlower);
  EXPECT_EQ(Find(c, "burst", "persisted_per_second").result.verdict, AbVerdict::kSlower);
  EXPECT_EQ(AbExitStatus(c), 1);
  c = Comparison(1.0, 1.05);  // 5 % more instructions: slower, but within 10 %
  EXPECT_EQ(Find(c, "cost_events_sqlite", "instructions_per_event").result.verdict,
            AbVerdict::kSlower);
  EXPECT_EQ(AbExitStatus(c), 0);
}

TEST(AbComparisonTest, ARoundWithoutBothSidesIsLeftOut) {
  AbComparison c = Comparison(1.0, 1.0);
  c.runs.erase(c.runs.begin() + 1);  // round 1's candidate produced nothing
  CompareRuns(&c);
  EXPECT_EQ(Find(c, "burst", "all_persisted_s").rounds.front(), 2);
  EXPECT_EQ(Find(c, "burst", "all_persisted_s").base.size(), 9u);
}

TEST(AbComparisonTest, CannotCompareWithoutReportsOrWhenAScenarioFailedOnOneSide) {
  AbComparison none;
  none.rounds = 1;
  CompareRuns(&none);
  EXPECT_EQ(AbExitStatus(none), 2);

  AbComparison c = Comparison(1.0, 1.0, 2);
  c.scenarios.push_back("row_search_latency");
  for (AbRun& run : c.runs) {
    ScenarioResult s = Scenario("row_search_latency", {}, Verdict::kNotRun);
    s.note = run.role == "base" ? "could not run: no such kind" : "";
    s.inapplicable = run.role == "candidate";
    run.report->scenarios.push_back(s);
  }
  CompareRuns(&c);
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_THAT(c.problems[0], HasSubstr("row_search_latency: no figure measured on both sides"));
  EXPECT_THAT(c.problems[0], HasSubstr("could not run: no such kind"));
  EXPECT_EQ(AbExitStatus(c), 2);
}

TEST(AbComparisonTest, AScenarioThatCannotRunHereOnEitherSideIsNoProblem) {
  AbComparison c = Comparison(1.0, 1.0, 2);
  c.scenarios.push_back("cost_events_postgres");
  for (AbRun& run : c.runs) {
    ScenarioResult s = Scenario("cost_events_postgres", {}, Verdict::kNotRun);
    s.inapplicable = true;
    s.note = "not run: it needs bench.store_url";
    run.report->scenarios.push_back(s);
  }
  CompareRuns(&c);
  EXPECT_TRUE(c.problems.empty());
}

TEST(AbComparisonTest, JsonCarriesTheFiguresAsTheIssueNamesThem) {
  const AbComparison c = Comparison(1.3, 1.0);
  const nlohmann::json j = nlohmann::json::parse(FormatComparisonJson(c));
  ASSERT_TRUE(j["figures"].is_array());
  for (const auto& f : j["figures"]) {
    for (const char* key : {"scenario", "metric", "base_median", "candidate_median", "ratio",
                            "ci_low", "ci_high", "verdict", "detectable"}) {
      EXPECT_TRUE(f.contains(key)) << key;
    }
  }
  EXPECT_EQ(j["exit_status"], 1);
  EXPECT_EQ(j["figures"][0]["metric"], "instructions_per_event");
  const std::string md = FormatComparisonMarkdown(c);
  EXPECT_THAT(md, HasSubstr("| burst | all_persisted_s |"));
  EXPECT_THAT(md, HasSubstr("**slower** (past the tolerance)"));
  EXPECT_THAT(md, HasSubstr("Exit status 1"));
}

}  // namespace
}  // namespace roseyd::report
