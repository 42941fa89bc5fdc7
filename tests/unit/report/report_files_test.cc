#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loadgen/results.h"
#include "support/temp_dir.h"

namespace roseyd::loadgen {
namespace {

using ::testing::HasSubstr;

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Figure Judged(std::string metric, double value, double target, Comparison c) {
  Figure f;
  f.metric = std::move(metric);
  f.value = value;
  f.target = target;
  f.comparison = c;
  f.verdict = Judge(value, target, c);
  f.headroom = Headroom(value, target, c);
  return f;
}

RunReport SampleReport() {
  RunReport r;
  r.suite = "quick";
  r.started_utc = "2026-11-22T18:00:00Z";
  r.duration_s = 12.5;
  r.target = "embedded";
  r.environment = DescribeEnvironment("data_dir: \"x\"\n");
  ScenarioResult s;
  s.name = "single_event_latency";
  s.category = "latency";
  s.description = "one publisher";
  s.priority = Priority::kP0;
  s.sent = 100;
  s.persisted = 100;
  LatencyHistogram h;
  for (int i = 1; i <= 100; ++i) h.Record(std::chrono::microseconds(i * 10));
  s.event_latency = LatencyResult{Summarize(h), h.NonEmptyBuckets()};
  s.figures.push_back(Judged("mean_latency_ms", 0.5, 5, Comparison::kAtMost));
  s.status = Verdict::kPass;
  s.timeline.push_back(TimelinePoint{1, 100, 99, 12e6, 4e6, 1.5});
  s.timeline.push_back(TimelinePoint{2, 100, 101, 12.1e6, 4e6, 1.4});
  s.extra["duplicate_commits"] = 0;
  r.scenarios.push_back(s);
  ScenarioResult t;
  t.name = "sustained_throughput";
  t.category = "throughput";
  t.priority = Priority::kP0;
  t.figures.push_back(Judged("persisted_per_second", 1000, 100, Comparison::kAtLeast));
  t.status = Verdict::kPass;
  r.scenarios.push_back(t);
  return r;
}

TEST(ReportTest, WritesTheFourSectionsJsonAndCharts) {
  testing::TempDir dir;
  const RunReport report = SampleReport();
  WriteReport(report, dir.path());
  const std::string md = Read(dir.File("BENCHMARK_RESULTS.md"));
  for (const char* section : {"## 1. Executive summary", "## 2. Results by category",
                              "## 3. Analysis and recommendations", "## 4. Appendices",
                              "#### single_event_latency: PASS", "#### sustained_throughput: PASS",
                              "charts/single_event_latency-latency.svg", "| ms | 100 |"}) {
    EXPECT_THAT(md, HasSubstr(section));
  }
  const std::string svg = Read(dir.File("charts/single_event_latency-latency.svg"));
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_THAT(svg, HasSubstr("<polyline"));
  EXPECT_THAT(Read(dir.File("charts/single_event_latency-timeline.svg")), HasSubstr("RSS"));
}

TEST(ReportTest, JsonRoundTrips) {
  testing::TempDir dir;
  RunReport report = SampleReport();
  report.scenarios[1].inapplicable = true;
  WriteReport(report, dir.path());
  const RunReport back = ReadReportJson(dir.File("benchmark_results.json"));
  ASSERT_EQ(back.scenarios.size(), 2u);
  EXPECT_EQ(back.suite, "quick");
  EXPECT_EQ(back.environment.cores, report.environment.cores);
  const ScenarioResult& s = back.scenarios[0];
  EXPECT_EQ(s.name, "single_event_latency");
  EXPECT_EQ(s.priority, Priority::kP0);
  EXPECT_FALSE(s.inapplicable);
  EXPECT_TRUE(back.scenarios[1].inapplicable);
  ASSERT_TRUE(s.event_latency.has_value());
  EXPECT_EQ(s.event_latency->summary.n, 100u);
  EXPECT_EQ(s.event_latency->buckets.size(), report.scenarios[0].event_latency->buckets.size());
  EXPECT_DOUBLE_EQ(s.figures[0].value, 0.5);
  EXPECT_DOUBLE_EQ(*s.figures[0].target, 5);
  ASSERT_EQ(s.timeline.size(), 2u);
  EXPECT_DOUBLE_EQ(s.timeline[1].rss_bytes, 12.1e6);
}

TEST(ReportTest, ReadingABadFileNamesTheFileAndField) {
  testing::TempDir dir;
  std::ofstream(dir.File("bad.json")) << R"({"schema_version":1,"suite":"quick"})";
  try {
    ReadReportJson(dir.File("bad.json"));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.json"));
    EXPECT_THAT(e.what(), HasSubstr("suite"));
  }
}

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

TEST(ExitStatusTest, ZeroOneOrTwo) {
  RunReport r = SampleReport();
  EXPECT_EQ(ExitStatus(r), 0);
  r.scenarios[1].status = Verdict::kWarn;
  EXPECT_EQ(ExitStatus(r), 0);  // WARN does not fail a run
  r.scenarios[1].status = Verdict::kFail;
  EXPECT_EQ(ExitStatus(r), 1);
  r.scenarios[0].status = Verdict::kNotRun;
  EXPECT_EQ(ExitStatus(r), 2);
  r.scenarios[0].inapplicable = true;  // e.g. a restart against another process
  EXPECT_EQ(ExitStatus(r), 1);          // not a could-not-run; the P0 FAIL still counts
  r = SampleReport();
  r.scenarios[1].priority = Priority::kP1;
  r.scenarios[1].status = Verdict::kFail;
  EXPECT_EQ(ExitStatus(r), 0);  // only P0 gates
}

}  // namespace
}  // namespace roseyd::loadgen
