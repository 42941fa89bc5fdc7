#pragma once

#include <string>
#include <vector>

#include "report/results.h"
#include "report/stats.h"

namespace roseyd::report {

// Hand-written SVG, 800x400: small enough to read in a diff, no library.

struct LatencySeries {
  std::string label;
  std::vector<LatencyHistogram::Bucket> buckets;
};

// Latency (ms) against percentile on a "nines" axis (0, 90, 99, 99.9,
// 99.99 %), as HdrHistogram plots it: the tail gets the room it deserves.
std::string PercentileChartSvg(const std::string& title, const std::vector<LatencySeries>& series);

// Sent and persisted per second (left axis) and RSS in MiB (right axis) over time.
std::string TimelineChartSvg(const std::string& title, const std::vector<TimelinePoint>& timeline);

}  // namespace roseyd::report
