#pragma once

#include <filesystem>
#include <string>

#include "report/results.h"

namespace roseyd::report {

// A figure judged against `target` as the runner judges it.
Figure Judged(std::string metric, double value, double target, Comparison c);

// Two P0 scenarios that passed: single_event_latency (latencies, a
// timeline, an extra) and sustained_throughput (one figure), on a fixed
// environment.
RunReport SampleReport();

// The whole text of `path` ("" when it cannot be read).
std::string ReadText(const std::filesystem::path& path);

}  // namespace roseyd::report
