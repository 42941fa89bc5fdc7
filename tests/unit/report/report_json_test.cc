#include "report/report_json.h"

#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "unit/report/sample_report.h"

namespace roseyd::report {
namespace {

using ::testing::HasSubstr;

TEST(ReportJsonTest, InfiniteFiguresAreNullInTheTextAndInfiniteAgainWhenRead) {
  RunReport report = SampleReport();
  report.scenarios[0].figures.push_back(Judged("ready_to_first_commit_ms", INFINITY, 500, Comparison::kAtMost));
  report.scenarios[0].extra["never"] = INFINITY;
  const std::string text = FormatReportJson(report);
  EXPECT_THAT(text, HasSubstr(R"("never": null)"));
  const RunReport back = ParseReportJson(text, "mem");
  ASSERT_EQ(back.scenarios[0].figures.size(), 2u);
  EXPECT_TRUE(std::isinf(back.scenarios[0].figures[1].value));
  EXPECT_TRUE(std::isinf(back.scenarios[0].extra.at("never")));
  EXPECT_EQ(back.scenarios[0].figures[1].verdict, Verdict::kFail);
}

TEST(ReportJsonTest, WritingWhatWasReadGivesTheSameText) {
  const std::string text = FormatReportJson(SampleReport());
  EXPECT_EQ(FormatReportJson(ParseReportJson(text, "mem")), text);
}

TEST(ReportJsonTest, NewerFieldsRoundTripAndOlderReportsStillRead) {
  RunReport report = SampleReport();
  report.cancelled = true;
  report.regressions_fail = false;
  report.baseline_started_utc = "2026-11-21T10:00:00Z";
  report.baseline_figures["burst/lost"] = 0;
  report.scenarios[0].markers.push_back({2.5, "restart"});
  report.scenarios[0].steps.push_back({1000, 2000, 1990, 10, 990, 0.4, 12.5, 8.25, false});
  BotServiceProbe probe;
  probe.subject = "rosey.db.query.user_stats";
  probe.rate = 20;
  probe.idle_sent = 60;
  probe.during_failed = 2;
  report.bot_service = probe;
  const std::string text = FormatReportJson(report);
  const RunReport back = ParseReportJson(text, "mem");
  EXPECT_TRUE(back.cancelled);
  EXPECT_FALSE(back.regressions_fail);
  EXPECT_EQ(back.baseline_started_utc, "2026-11-21T10:00:00Z");
  EXPECT_EQ(back.baseline_figures.at("burst/lost"), 0);
  ASSERT_EQ(back.scenarios[0].markers.size(), 1u);
  EXPECT_EQ(back.scenarios[0].markers[0].label, "restart");
  ASSERT_EQ(back.scenarios[0].steps.size(), 1u);
  EXPECT_DOUBLE_EQ(back.scenarios[0].steps[0].p99_ms, 12.5);
  EXPECT_EQ(back.scenarios[0].steps[0].lost, 10u);
  EXPECT_FALSE(back.scenarios[0].steps[0].within_target);
  ASSERT_TRUE(back.bot_service.has_value());
  EXPECT_EQ(back.bot_service->idle_sent, 60u);
  EXPECT_EQ(back.bot_service->during_failed, 2u);
  EXPECT_EQ(FormatReportJson(back), text);

  // A report written before these fields existed is still a baseline.
  nlohmann::json old = nlohmann::json::parse(FormatReportJson(SampleReport()));
  for (const char* key : {"cancelled", "regressions_fail", "baseline_started_utc",
                          "baseline_figures", "bot_service"}) {
    old.erase(key);
  }
  for (auto& s : old["scenarios"]) {
    s.erase("markers");
    s.erase("steps");
  }
  const RunReport older = ParseReportJson(old.dump(), "old.json");
  EXPECT_FALSE(older.cancelled);
  EXPECT_TRUE(older.regressions_fail);
  EXPECT_FALSE(older.bot_service.has_value());
}

// CANCELLED round-trips; a report written before it (NOT RUN with a note
// starting "cancelled") reads as CANCELLED, anything else NOT RUN as before.
TEST(ReportJsonTest, CancelledRoundTripsAndOlderReportsReadAsCancelled) {
  RunReport report = SampleReport();
  report.cancelled = true;
  report.scenarios[1].status = Verdict::kCancelled;
  report.scenarios[1].note = "cancelled; could not run: x";
  const std::string text = FormatReportJson(report);
  EXPECT_NE(text.find("\"status\": \"CANCELLED\""), std::string::npos) << text;
  EXPECT_EQ(ParseReportJson(text, "new.json").scenarios[1].status, Verdict::kCancelled);

  nlohmann::json old = nlohmann::json::parse(text);
  old["scenarios"][1]["status"] = "NOT RUN";
  old["scenarios"][0]["status"] = "NOT RUN";
  old["scenarios"][0]["note"] = "could not run: no valgrind";
  const RunReport older = ParseReportJson(old.dump(), "old.json");
  EXPECT_EQ(older.scenarios[1].status, Verdict::kCancelled);
  EXPECT_EQ(older.scenarios[0].status, Verdict::kNotRun);
}

TEST(ReportJsonTest, NoiseDisturbedVerdictsAndRepeatedStepsRoundTrip) {
  RunReport report = SampleReport();
  RunNoise noise;
  noise.subject = "_INBOX.abc";
  noise.probe_rate = 50;
  noise.rule = "the floor's p99 doubled";
  noise.idle = {2.0, 0.8, 0.9, 0.25, 0.5, 100, 0.15, 0.4, 0.6};
  noise.run = {150, 1.4, 2.1, 3.5, 0.75, 7400, 0.2, 1.1, 9.5};
  report.noise = noise;
  ScenarioNoise scenario;
  scenario.window = {5.1, 1.2, 1.3, 12.5, 0, 255, 0.3, 4.2, 7.7};
  scenario.moved = true;
  scenario.by_steal_only = true;
  scenario.why = "CPU steal 12.5 %";
  report.scenarios[0].noise = scenario;
  report.scenarios[0].figures[0].verdict = Verdict::kDisturbed;
  report.scenarios[0].status = Verdict::kDisturbed;
  RateStep step{1000, 2000, 2000, 0, 998, 0.41, 12, 9.5, false};
  step.attempt = 2;
  step.floor_p99_ms = 0.9;
  step.steal_percent = 3.25;
  report.scenarios[1].steps.push_back(step);
  const std::string text = FormatReportJson(report);
  EXPECT_THAT(text, HasSubstr(R"("status": "DISTURBED")"));
  const RunReport back = ParseReportJson(text, "mem");
  ASSERT_TRUE(back.noise.has_value());
  EXPECT_EQ(back.noise->subject, "_INBOX.abc");
  EXPECT_EQ(back.noise->rule, "the floor's p99 doubled");
  EXPECT_DOUBLE_EQ(back.noise->idle.floor_p99_ms, 0.4);
  EXPECT_EQ(back.noise->run.floor_n, 7400u);
  EXPECT_DOUBLE_EQ(back.noise->run.steal_percent, 3.5);
  ASSERT_TRUE(back.scenarios[0].noise.has_value());
  EXPECT_TRUE(back.scenarios[0].noise->moved);
  EXPECT_TRUE(back.scenarios[0].noise->by_steal_only);
  EXPECT_EQ(back.scenarios[0].noise->why, "CPU steal 12.5 %");
  EXPECT_DOUBLE_EQ(back.scenarios[0].noise->window.load_avg_max, 1.3);
  EXPECT_EQ(back.scenarios[0].status, Verdict::kDisturbed);
  EXPECT_EQ(back.scenarios[0].figures[0].verdict, Verdict::kDisturbed);
  EXPECT_FALSE(back.scenarios[1].noise.has_value());
  ASSERT_EQ(back.scenarios[1].steps.size(), 1u);
  EXPECT_EQ(back.scenarios[1].steps[0].attempt, 2);
  EXPECT_DOUBLE_EQ(back.scenarios[1].steps[0].floor_p99_ms, 0.9);
  EXPECT_DOUBLE_EQ(back.scenarios[1].steps[0].steal_percent, 3.25);
  EXPECT_EQ(FormatReportJson(back), text);

  // Written before the run measured its noise: no noise, first attempts.
  nlohmann::json old = nlohmann::json::parse(text);
  old.erase("noise");
  for (auto& s : old["scenarios"]) {
    s.erase("noise");
    for (auto& st : s["steps"]) {
      for (const char* key : {"attempt", "floor_p99_ms", "steal_percent"}) st.erase(key);
    }
  }
  const RunReport older = ParseReportJson(old.dump(), "old.json");
  EXPECT_FALSE(older.noise.has_value());
  EXPECT_FALSE(older.scenarios[0].noise.has_value());
  EXPECT_EQ(older.scenarios[1].steps[0].attempt, 1);
  EXPECT_EQ(older.scenarios[1].steps[0].floor_p99_ms, 0);
}

TEST(ReportJsonTest, ErrorsNameTheSource) {
  try {
    ParseReportJson("{not json", "baseline.json");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("baseline.json: not valid JSON"));
  }
  try {
    ParseReportJson(R"({"schema_version":2})", "future.json");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("future.json"));
    EXPECT_THAT(e.what(), HasSubstr("unsupported schema_version"));
  }
}

}  // namespace
}  // namespace roseyd::report
