#include "report/comparison_tables.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/baseline.h"
#include "report/markdown.h"
#include "report/reference_figures.h"
#include "unit/report/sample_report.h"

namespace roseyd::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A run with the scenarios "Speed at a glance" reads.
RunReport GlanceReport() {
  RunReport r = SampleReport();
  ScenarioResult burst;
  burst.name = "burst";
  burst.category = "throughput";
  burst.status = Verdict::kPass;
  burst.sent = 2000;
  burst.persisted = 2000;
  burst.figures = {Judged("all_persisted_s", 0.02, 1, Comparison::kAtMost)};
  Figure rate;
  rate.metric = "persisted_per_second";
  rate.value = 100000;
  burst.figures.push_back(rate);
  Figure cpu;
  cpu.metric = "cpu_us_per_event";
  cpu.value = 6.5;
  burst.figures.push_back(cpu);
  r.scenarios.push_back(burst);
  ScenarioResult requests;
  requests.name = "request_reply_latency";
  requests.category = "latency";
  requests.status = Verdict::kPass;
  requests.sent = 1000;
  requests.target_rate = 200;
  requests.figures = {Judged("p95_latency_ms", 0.9, 10, Comparison::kAtMost)};
  Figure p50;
  p50.metric = "p50_latency_ms";
  p50.value = 0.57;
  requests.figures.push_back(p50);
  r.scenarios.push_back(requests);
  r.scenarios[1].target_rate = 1000;  // sustained_throughput: a paced scenario
  r.scenarios[1].sent = 5000;
  return r;
}

TEST(SpeedAtAGlanceTest, EachRowSaysHowItWasMeasuredBesideTargetBaselineAndOriginal) {
  const std::string md = SpeedAtAGlance(GlanceReport());
  EXPECT_THAT(md, HasSubstr("### Speed at a glance"));
  EXPECT_THAT(md, HasSubstr(
      "| persisted events/s, burst | 100,000 ev/s | 2000 chat lines sent back to back; first send "
      "to last commit; rows counted in the database (burst) | >= 500 ev/s (>= 500 events in < 1 "
      "s, P2): ×200 (better) | - | - | 862 (760-897 over 10 earlier runs) | ×116 (better) |"));
  EXPECT_THAT(md, HasSubstr("| persisted events/s, sustained | 1000 ev/s | 1000 ev/s offered for 5 s"));
  EXPECT_THAT(md, HasSubstr("it persists what it is offered (the limit is capacity) "
                            "(sustained_throughput) | >= 100 ev/s (none lost, P0; met by the "
                            "offered rate) | - |"));  // no ratio: the offer is no headroom
  EXPECT_THAT(md, HasSubstr("| request round trip p50 | 0.57 ms | 1000 requests at 200/s"));
  EXPECT_THAT(md, HasSubstr("| 1.14 ms | ×0.5 (better) |"));
  EXPECT_THAT(md, HasSubstr("| CPU per event, burst | 6.5 us |"));
  EXPECT_THAT(md, HasSubstr("| about 650 us (590-733) | ×0.01 (better) |"));
  EXPECT_THAT(md, HasSubstr("| capacity | not measured | capacity was not in this run |"));
}

TEST(SpeedAtAGlanceTest, InstructionsLeadThenCpuThenThroughputsWithTheirIntervals) {
  RunReport r = GlanceReport();
  ScenarioResult cost;
  cost.name = "cost_events_sqlite";
  cost.category = "cpu";
  cost.status = Verdict::kPass;
  Figure instructions;
  instructions.metric = "instructions_per_event";
  instructions.value = 41234;
  cost.figures = {instructions};
  cost.extra["measured"] = 20000;
  r.scenarios.push_back(cost);
  ScenarioResult& burst = r.scenarios[2];
  burst.extra["rounds"] = 5;
  burst.sent = 10000;
  Figure low, high;
  low.metric = "persisted_per_second_min";
  low.value = 81000;
  high.metric = "persisted_per_second_max";
  high.value = 120000;
  burst.figures.push_back(low);
  burst.figures.push_back(high);
  const std::string md = SpeedAtAGlance(r);
  EXPECT_THAT(md, HasSubstr("| instructions per event | 41,234 instructions | valgrind (callgrind) "
                            "count of roseyd's own code over 20,000 events in a bot's proportions "
                            "committed to SQLite, in one process without NATS; deterministic: it "
                            "holds on a noisy machine (cost_events_sqlite) |"));
  EXPECT_THAT(md,
              HasSubstr("| instructions per request, kv.get | not measured | cost_kv_get_sqlite "
                        "was not in this run |"));
  EXPECT_THAT(md, Not(HasSubstr("PostgreSQL"))) << "PostgreSQL's rows only when they ran";
  EXPECT_THAT(md, HasSubstr("| persisted events/s, burst | 100,000 ev/s (rounds 81,000 to "
                            "120,000: the median lies between them with 94 % confidence) | median "
                            "of 5 rounds of 2000 chat lines sent back to back;"));
  // The order a reader should trust them in.
  const size_t instructions_at = md.find("| instructions per event |");
  const size_t cpu_at = md.find("| CPU per event, burst |");
  const size_t burst_at = md.find("| persisted events/s, burst |");
  const size_t round_trip_at = md.find("| request round trip p50 |");
  EXPECT_LT(instructions_at, cpu_at);
  EXPECT_LT(cpu_at, burst_at);
  EXPECT_LT(burst_at, round_trip_at);
}

TEST(SpeedAtAGlanceTest, CapacityStandsBesideTheFloorOfItsStep) {
  RunReport r = GlanceReport();
  r.noise.emplace();
  r.noise->idle.floor_n = 100;
  r.noise->idle.floor_p99_ms = 0.4;
  ScenarioResult capacity;
  capacity.name = "capacity";
  capacity.category = "throughput";
  capacity.status = Verdict::kPass;
  Figure c;
  c.metric = "capacity_events_per_second";
  c.value = 20000;
  capacity.figures = {c};
  capacity.extra["step_s"] = 2;
  capacity.steps = {{1000, 2000, 2000, 0, 1000, 0.4, 1.1, 9, true},
                    {20000, 40000, 40000, 0, 20000, 0.9, 8, 7, false},
                    {20000, 40000, 40000, 0, 20000, 0.8, 6, 7, true},
                    {50000, 100000, 90000, 10000, 40000, 9, 90, 6, false}};
  capacity.steps[2].attempt = 2;  // 20k missed once, then passed
  capacity.steps[2].floor_p99_ms = 1.25;
  r.scenarios.push_back(capacity);
  const std::string md = SpeedAtAGlance(r);
  EXPECT_THAT(md, HasSubstr("| capacity | 20,000 ev/s | rates 1000, 20,000, 50,000 ev/s in turn"));
  EXPECT_THAT(md,
              HasSubstr("(a missed rate tried again; 2 misses in a row end it); NATS echo floor "
                        "p99 1.25 ms during that step (idle 0.4 ms) (capacity) |"));
}

TEST(SpeedAtAGlanceTest, TheBaselineColumnShowsThePreviousRunsFigureAndTheChange) {
  RunReport baseline = GlanceReport();
  baseline.scenarios[2].figures[1].value = 80000;  // burst persisted_per_second
  RunReport now = GlanceReport();
  CompareToBaseline(&now, baseline);
  now.baseline_file = "prev/benchmark_results.json";
  const std::string md = SpeedAtAGlance(now);
  EXPECT_THAT(md, HasSubstr("the baseline (prev/benchmark_results.json)"));
  EXPECT_THAT(md, HasSubstr("×200 (better) | 80,000 | +25 % |"));
  EXPECT_EQ(BaselineCells(now, "burst", "persisted_per_second", 100000), "| 80,000 | +25 % |");
  EXPECT_EQ(BaselineCells(now, "burst", "no_such", 1), "| - | - |");
}

TEST(OriginalServiceTest, SaysWhereTheFiguresComeFromAndThatTheyAreFromAnotherDay) {
  const std::string md = OriginalServiceSection(GlanceReport());
  EXPECT_THAT(md, HasSubstr("BENCHMARKS.md"));
  EXPECT_THAT(md, HasSubstr("6d664ff"));
  EXPECT_THAT(md, HasSubstr("measured on another day"));
  EXPECT_THAT(md, HasSubstr("indicative, not a measurement"));
  for (const ReferenceFigure& f : OriginalServiceFigures()) EXPECT_THAT(md, HasSubstr(f.original_text));
  EXPECT_THAT(md, HasSubstr("| RSS idle | 40.5 MiB | /proc | not measured |"));
  EXPECT_THAT(md, HasSubstr("| the ten classic benchmarks passed | 5 of 10 |"));
  EXPECT_THAT(md, HasSubstr("| 4 of 4 in this run |"));
}

TEST(BotServiceTest, ShowsTheBotsLatencyDuringTheRunBesideIdle) {
  RunReport r = SampleReport();
  EXPECT_EQ(BotServiceSection(r), "");
  BotServiceProbe probe;
  probe.subject = "rosey.db.query.user_stats";
  probe.rate = 20;
  LatencyHistogram idle, during;
  for (int i = 1; i <= 60; ++i) idle.Record(std::chrono::microseconds(300 + i));
  for (int i = 1; i <= 600; ++i) during.Record(std::chrono::microseconds(300 + 2 * i));
  probe.idle = {Summarize(idle), idle.NonEmptyBuckets()};
  probe.during = {Summarize(during), during.NonEmptyBuckets()};
  probe.idle_sent = 60;
  probe.during_sent = 600;
  probe.during_failed = 1;
  r.bot_service = probe;
  const std::string md = BotServiceSection(r);
  EXPECT_THAT(md, HasSubstr("### The bot's service during this run"));
  EXPECT_THAT(md, HasSubstr("rosey.db.query.user_stats for a user that does not exist) at 20 per second"));
  EXPECT_THAT(md, HasSubstr("| idle, before the run | 60 | 0 | 0.33"));
  EXPECT_THAT(md, HasSubstr("| during the run | 600 | 1 |"));
  EXPECT_THAT(md, HasSubstr("p99 during the run / p99 idle: ×4."));  // 1.49 ms / 0.36 ms
  EXPECT_THAT(FormatReportMarkdown(r), HasSubstr("### The bot's service during this run"));
}

TEST(ScenarioTableTest, AnOfferedRateIsNoHeadroom) {
  const std::string md = FormatReportMarkdown(GlanceReport());
  EXPECT_THAT(md, HasSubstr("| persisted_per_second | 1000 | >= 100 | PASS | n/a (the offered rate) | - | - |"));
  EXPECT_THAT(md, Not(HasSubstr("sustained_throughput persisted_per_second: headroom")));
}

}  // namespace
}  // namespace roseyd::report
