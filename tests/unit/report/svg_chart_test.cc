#include "report/svg_chart.h"

#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roseyd::report {
namespace {

using ::testing::HasSubstr;

// The bottom of the plot frame (the <rect ... stroke="#444">).
double FrameBottom(const std::string& svg) {
  const std::regex frame("<rect x=\"[0-9.]+\" y=\"([0-9.]+)\" width=\"[0-9.]+\" height=\"([0-9.]+)\" fill=\"none\" stroke=\"#444\"/>");
  std::smatch m;
  EXPECT_TRUE(std::regex_search(svg, m, frame)) << svg;
  return std::stod(m[1]) + std::stod(m[2]);
}

// The y of the <text> element reading `text` (a regex).
double TextY(const std::string& svg, const std::string& text) {
  const std::regex re("<text x=\"[0-9.]+\" y=\"([0-9.]+)\"[^>]*>" + text + "</text>");
  std::smatch m;
  if (!std::regex_search(svg, m, re)) {
    ADD_FAILURE() << "no text '" << text << "'";
    return -1;
  }
  return std::stod(m[1]);
}

std::vector<LatencyHistogram::Bucket> Buckets(int from_us, int to_us) {
  LatencyHistogram h;
  for (int us = from_us; us <= to_us; ++us) h.Record(std::chrono::microseconds(us));
  return h.NonEmptyBuckets();
}

TEST(SvgChartTest, LatencyChartDrawsItsTargetsAndFitsBothDataAndTargets) {
  const std::string svg = PercentileChartSvg(
      "t", {{"event", Buckets(200, 1500)}}, {{10, "p95 target 10 ms"}, {5, "mean target 5 ms"}});
  EXPECT_THAT(svg, HasSubstr("class=\"target\""));
  EXPECT_THAT(svg, HasSubstr(">p95 target 10 ms</text>"));
  EXPECT_THAT(svg, HasSubstr(">mean target 5 ms</text>"));
  // A log axis from 0.1 ms (below the data) to 10 ms (the highest target).
  EXPECT_THAT(svg, HasSubstr(">0.1 ms</text>"));
  EXPECT_THAT(svg, HasSubstr(">10 ms</text>"));
  EXPECT_THAT(svg, ::testing::Not(HasSubstr(">100 ms</text>")));
}

TEST(SvgChartTest, LegendsSitBelowThePlotClearOfTheLines) {
  const double bottom = FrameBottom(PercentileChartSvg("t", {{"event", Buckets(10, 20)}}));
  EXPECT_GT(TextY(PercentileChartSvg("t", {{"event", Buckets(10, 20)}}), "event"), bottom + 30);
  const std::vector<TimelinePoint> timeline = {{0.5, 100, 90, 10e6, 5e6, 3},
                                               {1.5, 100, 110, 11e6, 5e6, 4}};
  const std::string t = TimelineChartSvg("t", timeline);
  EXPECT_GT(TextY(t, "persisted per second"), FrameBottom(t) + 30);
  EXPECT_GT(TextY(t, "RSS \\(MiB, right axis\\)"), FrameBottom(t) + 30);
}

TEST(SvgChartTest, TimelineAxesFitTheRun) {
  // 5.2 s of 1000 ev/s: the time axis ends at 6 s, not 10; the rate at 1200, not 2000.
  std::vector<TimelinePoint> timeline;
  for (int i = 1; i <= 52; ++i) timeline.push_back({i / 10.0, 1000, 1000, 0, 0, 0});
  const std::string svg = TimelineChartSvg("t", timeline);
  EXPECT_THAT(svg, HasSubstr(">6</text>"));
  EXPECT_THAT(svg, ::testing::Not(HasSubstr(">10</text>")));
  EXPECT_THAT(svg, HasSubstr(">1000</text>"));
  EXPECT_THAT(svg, ::testing::Not(HasSubstr(">2000</text>")));
  EXPECT_THAT(svg, ::testing::Not(HasSubstr("RSS (MiB"))) << "no RSS measured: no RSS axis";
}

TEST(SvgChartTest, TheRestartGapIsShadedAndLabelled) {
  std::vector<TimelinePoint> timeline;
  for (int i = 1; i <= 60; ++i) timeline.push_back({i / 10.0, 200, i == 21 ? 0.0 : 200.0, 1e7, 5e6, 2});
  const std::string svg = TimelineChartSvg(
      "t", timeline, {{2.0, "restart: service stopping"}, {2.04, "first commit after it"}}, true);
  EXPECT_THAT(svg, HasSubstr("class=\"gap\""));
  EXPECT_THAT(svg, HasSubstr(">restart: service stopping</text>"));
  EXPECT_THAT(svg, HasSubstr(">first commit after it</text>"));
  const std::regex band("class=\"gap\" x=\"[0-9.]+\" y=\"[0-9.]+\" width=\"([0-9.]+)\"");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, band));
  EXPECT_GE(std::stod(m[1]), 2.5) << "a 40 ms gap stays visible on a 6 s axis";
}

TEST(SvgChartTest, CpuChartHasTheCpuLineAndTheIdleAndTargetLevels) {
  std::vector<TimelinePoint> timeline;
  for (int i = 1; i <= 5; ++i) timeline.push_back({double(i), 100, 100, 1e7, 5e6, 3.0 + i * 0.1});
  const std::string svg = CpuChartSvg("cpu", timeline, {{1.2, "idle 1.2 %"}, {6.2, "target: idle + 5 points"}});
  EXPECT_THAT(svg, HasSubstr("<polyline"));
  EXPECT_THAT(svg, HasSubstr("stroke=\"#9467bd\""));
  EXPECT_THAT(svg, HasSubstr(">idle 1.2 %</text>"));
  EXPECT_THAT(svg, HasSubstr(">target: idle + 5 points</text>"));
  EXPECT_THAT(svg, HasSubstr(">service CPU (% of one core)</text>"));
}

TEST(SvgChartTest, CapacityChartShowsLatencyPerRateAndTheTarget) {
  std::vector<RateStep> steps = {{1000, 2000, 2000, 0, 1000, 0.5, 2, 9, true},
                                 {5000, 10000, 10000, 0, 5000, 0.6, 4, 8, true},
                                 {20000, 40000, 40000, 0, 20000, 0.9, 12, 7, false}};
  const std::string svg = CapacityChartSvg("capacity", steps, 10);
  EXPECT_THAT(svg, HasSubstr(">1000</text>"));
  EXPECT_THAT(svg, HasSubstr(">20k</text>"));
  EXPECT_THAT(svg, HasSubstr(">p99 target 10 ms</text>"));
  EXPECT_THAT(svg, HasSubstr("black dot: p99 over target or events lost"));
  size_t dots = 0;
  for (size_t at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) ++dots;
  EXPECT_EQ(dots, 7u) << "p50 and p99 at each rate, and the rate that missed";
}

}  // namespace
}  // namespace roseyd::report
