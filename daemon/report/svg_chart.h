#pragma once

#include <string>
#include <vector>

#include "report/results.h"
#include "report/stats.h"

namespace roseyd::report {

// Hand-written SVG, 800x440: small enough to read in a diff, no library.
// Every chart keeps its legend below the plot, clear of the lines, and fits
// its axes to the data and to its target lines.

struct LatencySeries {
  std::string label;
  std::vector<LatencyHistogram::Bucket> buckets;
};

// A horizontal line across a chart: a target, or a level to compare with.
struct LevelLine {
  double value = 0;  // in the chart's y unit
  std::string label;
};

// Latency (ms, log scale) against percentile on a "nines" axis (0, 90, 99,
// 99.9, 99.99 %), as HdrHistogram plots it: the tail gets the room it
// deserves. `targets` are drawn as dashed lines, named in the legend.
std::string PercentileChartSvg(const std::string& title, const std::vector<LatencySeries>& series,
                               const std::vector<LevelLine>& targets = {});

// Sent and persisted per second (left axis) and RSS in MiB (right axis) over
// time; `markers` (e.g. a restart) as labelled vertical lines, and the span
// between two markers shaded when `shade_between_markers`.
std::string TimelineChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline,
                             const std::vector<Marker>& markers = {},
                             bool shade_between_markers = false);

// The service's CPU, % of one core, over time, with `levels` (e.g. idle and
// the target) as dashed lines, named in the legend.
std::string CpuChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline,
                        const std::vector<LevelLine>& levels = {});

// A capacity ramp: p50 and p99 latency (ms, log scale) at each offered rate,
// the p99 target as a dashed line, and the rates that lost events or missed
// the target marked.
std::string CapacityChartSvg(const std::string& title, const std::vector<RateStep>& steps,
                             double p99_target_ms);

}  // namespace roseyd::report
