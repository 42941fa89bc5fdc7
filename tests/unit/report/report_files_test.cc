#include "report/report_files.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "unit/report/sample_report.h"

namespace roseyd::report {
namespace {

using ::testing::HasSubstr;

TEST(ReportTest, WritesTheFourSectionsJsonAndCharts) {
  testing::TempDir dir;
  const RunReport report = SampleReport();
  WriteReport(report, dir.path());
  const std::string md = ReadText(dir.File("BENCHMARK_RESULTS.md"));
  for (const char* section : {"## 1. Executive summary", "## 2. Results by category",
                              "## 3. Analysis and recommendations", "## 4. Appendices",
                              "#### single_event_latency: PASS", "#### sustained_throughput: PASS",
                              "charts/single_event_latency-latency.svg", "| ms | 100 |"}) {
    EXPECT_THAT(md, HasSubstr(section));
  }
  const std::string svg = ReadText(dir.File("charts/single_event_latency-latency.svg"));
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_THAT(svg, HasSubstr("<polyline"));
  EXPECT_THAT(ReadText(dir.File("charts/single_event_latency-timeline.svg")), HasSubstr("RSS"));
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

}  // namespace
}  // namespace roseyd::report
