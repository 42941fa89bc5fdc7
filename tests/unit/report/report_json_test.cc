#include "report/report_json.h"

#include <cmath>
#include <stdexcept>

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
