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

// A linear axis from 0 with ticks at round numbers: every `step` (1, 2 or 5
// times a power of ten) up to step * intervals.
struct AxisScale {
  double step = 1;
  int intervals = 1;
  double top() const { return step * intervals; }
};
// The scale of 3 to 8 round intervals whose top is the lowest at or above
// `max` (so the data fills most of the height); 0..1 in 1 for max <= 0.
AxisScale NiceScale(double max);
// The smallest round step with `intervals` intervals reaching `max`: a
// second axis that shares another's gridlines.
AxisScale NiceScaleWithIntervals(double max, int intervals);

// Latency (ms, log scale) against percentile on a "nines" axis (0, 90, 99,
// 99.9, 99.99 %), as HdrHistogram plots it: the tail gets the room it
// deserves. `targets` are drawn as dashed lines, named in the legend.
std::string PercentileChartSvg(const std::string& title, const std::vector<LatencySeries>& series,
                               const std::vector<LevelLine>& targets = {});

// Sent and persisted per second (left axis) and RSS in MiB (right axis) over
// time; sent is drawn wide and light, persisted dashed on top of it, so that
// equal rates show as both rather than one hiding the other; `markers` (e.g. a restart) as labelled
// vertical lines, and the span between two markers shaded when `shade_between_markers`.
std::string TimelineChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline,
                             const std::vector<Marker>& markers = {},
                             bool shade_between_markers = false);

// The service's CPU, % of one core, over time, with `levels` (e.g. idle and
// the target) as dashed lines, named in the legend.
std::string CpuChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline,
                        const std::vector<LevelLine>& levels = {});

// A capacity ramp: p50 and p99 latency (ms, log scale) at each attempt of
// each offered rate (a repeated one labelled with its attempt), the NATS
// echo floor's p99 beside them where measured, the p99 target as a dashed
// line, and the attempts that lost events or missed the target marked.
std::string CapacityChartSvg(const std::string& title, const std::vector<RateStep>& steps,
                             double p99_target_ms);

// A least-squares line to draw over RssFitChartSvg, as memory_stability
// fitted it: through (center_s, center_mib) with slope MiB per hour, from
// `from_s` (the end of the warm-up) to the last sample, and its band as the
// lines of slope `low` and `high` through the same centre (infinite: not
// drawn).
struct RssFitLines {
  double from_s = 0;
  double center_s = 0;
  double center_mib = 0;
  double slope_mib_per_hour = 0;
  double low_mib_per_hour = 0;
  double high_mib_per_hour = 0;
};

// RssAnon (MiB, on an axis fitted to its range, not from 0: the slope is
// what matters) over time, the end of the warm-up marked, with the fitted
// line and its band.
std::string RssFitChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline,
                           const RssFitLines& fit);

}  // namespace roseyd::report
