#include "report/svg_chart.h"

#include <cmath>
#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace roseyd::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

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

// Whether `v` is 1, 2 or 5 times a power of ten.
bool IsRound(double v) {
  const double p = std::pow(10, std::floor(std::log10(v) + 1e-9));
  const double m = v / p;
  return std::fabs(m - 1) < 1e-9 || std::fabs(m - 2) < 1e-9 || std::fabs(m - 5) < 1e-9;
}

// Whether `v` is at most the 8th multiple of some 1-2-5 step, as a tick of
// a NiceScale axis is.
bool OnARoundStep(double v) {
  for (int k = -3; k <= 6; ++k) {
    for (const double m : {1.0, 2.0, 5.0}) {
      const double q = v / (m * std::pow(10, k));
      if (q <= 8 + 1e-9 && std::fabs(q - std::round(q)) < 1e-6) return true;
    }
  }
  return false;
}

TEST(SvgChartTest, AxesStepInOnesTwosAndFives) {
  for (const double max :
       {0.37, 1.0, 5.2, 7.9, 12.0, 42.0, 99.0, 130.0, 999.762, 1234.0, 5000.0, 26500.0, 158147.0}) {
    const AxisScale a = NiceScale(max);
    EXPECT_TRUE(IsRound(a.step)) << max << ": step " << a.step;
    EXPECT_GE(a.intervals, 3) << max;
    EXPECT_LE(a.intervals, 8) << max;
    EXPECT_GE(a.top(), max) << max;
    EXPECT_LT(a.top(), 2 * max) << max << ": the data fills most of the height";
  }
  EXPECT_DOUBLE_EQ(NiceScale(5.2).top(), 6);
  EXPECT_DOUBLE_EQ(NiceScale(1000).top(), 1000);
  // A second axis on the first's gridlines: same intervals, a round step.
  const AxisScale rss = NiceScaleWithIntervals(173, 6);
  EXPECT_EQ(rss.intervals, 6);
  EXPECT_DOUBLE_EQ(rss.step, 50);
  EXPECT_DOUBLE_EQ(NiceScaleWithIntervals(60, 6).step, 10);
  EXPECT_DOUBLE_EQ(NiceScaleWithIntervals(61, 6).step, 20);
}

TEST(SvgChartTest, EveryTickOfTheRatesChartIsARoundNumber) {
  std::vector<TimelinePoint> timeline;
  for (int i = 1; i <= 37; ++i) timeline.push_back({i * 1.0, 733, 733, 173e6, 40e6, 0});
  const std::string svg = TimelineChartSvg("t", timeline);
  const std::regex tick(">([0-9.]+)(k?)</text>");
  int ticks = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tick); it != std::sregex_iterator();
       ++it) {
    const double v = std::stod((*it)[1]) * ((*it)[2] == "k" ? 1000 : 1);
    if (v == 0) continue;
    ++ticks;
    EXPECT_TRUE(OnARoundStep(v)) << v;
  }
  EXPECT_GT(ticks, 10);
  EXPECT_FALSE(OnARoundStep(28.8)) << "the check can fail: RSS ticks once fell on 173/6 steps";
}

TEST(SvgChartTest, SentAndPersistedStayApartWhenTheyAreEqual) {
  std::vector<TimelinePoint> timeline;
  for (int i = 1; i <= 5; ++i) timeline.push_back({double(i), 1000, 1000, 0, 0, 0});
  const std::string svg = TimelineChartSvg("t", timeline);
  // Sent wide and light beneath, persisted narrow and dashed over it: both show.
  const std::regex line(
      "<polyline fill=\"none\" stroke-width=\"([0-9.]+)\" stroke=\"(#[0-9a-f]+)\"( "
      "stroke-dasharray=\"[0-9 ]+\")?");
  std::vector<std::smatch> lines;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), line); it != std::sregex_iterator();
       ++it)
    lines.push_back(*it);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_GT(std::stod(lines[0][1]), 2 * std::stod(lines[1][1])) << "sent is the wider";
  EXPECT_NE(lines[0][2], lines[1][2]);
  EXPECT_TRUE(lines[1][3].matched) << "persisted is dashed";
  EXPECT_THAT(svg, HasSubstr(">sent per second</text>"));
  EXPECT_THAT(svg, HasSubstr(">persisted per second</text>"));
}

TEST(SvgChartTest, TheRssChartDrawsTheFitAndItsBand) {
  std::vector<TimelinePoint> timeline;
  for (int i = 1; i <= 40; ++i)
    timeline.push_back({double(i), 500, 500, 1e8, (40 + 0.01 * i) * (1 << 20), 2});
  RssFitLines fit{10, 25, 40.25, 36, 20, 52};
  const std::string svg = RssFitChartSvg("rss", timeline, fit);
  EXPECT_THAT(svg, HasSubstr(">end of warm-up</text>"));
  EXPECT_THAT(svg, HasSubstr(">least-squares fit, 36 MiB/h</text>"));
  EXPECT_THAT(svg, HasSubstr(">95 % band of the slope, 20 to 52 MiB/h</text>"));
  size_t lines = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos;
       at = svg.find("<polyline", at + 1))
    ++lines;
  EXPECT_EQ(lines, 4u) << "RssAnon, the fit, and the band's two lines";
  // RssAnon flat to the page: still gridlines around it, at round MiB.
  std::vector<TimelinePoint> flat;
  for (int i = 1; i <= 40; ++i) flat.push_back({double(i), 500, 500, 1e8, 26.15 * (1 << 20), 2});
  const std::string flat_svg = RssFitChartSvg("rss", flat, {10, 25, 26.15, 0, -0.2, 0.2});
  for (const char* tick : {">26</text>", ">26.1</text>", ">26.2</text>", ">26.3</text>"}) {
    EXPECT_THAT(flat_svg, HasSubstr(tick));
  }
  fit.low_mib_per_hour = -INFINITY;
  fit.high_mib_per_hour = INFINITY;
  const std::string unbounded = RssFitChartSvg("rss", timeline, fit);
  EXPECT_THAT(unbounded, HasSubstr("unbounded"));
  lines = 0;
  for (size_t at = unbounded.find("<polyline"); at != std::string::npos;
       at = unbounded.find("<polyline", at + 1))
    ++lines;
  EXPECT_EQ(lines, 2u);
}

TEST(SvgChartTest, CapacityChartShowsTheFloorAndNamesRepeatedAttempts) {
  std::vector<RateStep> steps = {{1000, 2000, 2000, 0, 1000, 0.5, 2, 9, true},
                                 {5000, 10000, 10000, 0, 5000, 0.6, 14, 8, false},
                                 {5000, 10000, 10000, 0, 5000, 0.6, 4, 8, true}};
  steps[2].attempt = 2;
  for (RateStep& s : steps) s.floor_p99_ms = 0.3;
  const std::string svg = CapacityChartSvg("capacity", steps, 10);
  EXPECT_THAT(svg, HasSubstr(">5000 (2)</text>"));
  EXPECT_THAT(svg, HasSubstr(">NATS echo floor p99</text>"));
  EXPECT_THAT(svg, HasSubstr(">0.1 ms</text>")) << "the axis reaches down to the floor";
}

}  // namespace
}  // namespace roseyd::report
