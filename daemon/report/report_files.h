#pragma once

#include <filesystem>

#include "report/results.h"

namespace roseyd::report {

// Writes BENCHMARK_RESULTS.md, benchmark_results.json and charts/*.svg into
// `dir`, creating it: per scenario its latency by percentile (with its
// latency targets), its rates and RSS over time (with its markers), its
// service CPU over time (with the idle level and the target over it) and,
// for a capacity ramp, the latency at each rate (with the p99 target).
// Throws std::runtime_error naming the file on I/O failure.
void WriteReport(const RunReport& report, const std::filesystem::path& dir);

// Reads a benchmark_results.json written by WriteReport (for --baseline).
// Throws std::runtime_error naming the file and the bad field.
RunReport ReadReportJson(const std::filesystem::path& file);

}  // namespace roseyd::report
