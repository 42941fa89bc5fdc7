#pragma once

#include <filesystem>

#include "report/results.h"

namespace roseyd::report {

// Writes BENCHMARK_RESULTS.md, benchmark_results.json and charts/*.svg (one
// latency percentile distribution per scenario with latencies, one rate and
// RSS over time per scenario with a timeline) into `dir`, creating it.
// Throws std::runtime_error naming the file on I/O failure.
void WriteReport(const RunReport& report, const std::filesystem::path& dir);

// Reads a benchmark_results.json written by WriteReport (for --baseline).
// Throws std::runtime_error naming the file and the bad field.
RunReport ReadReportJson(const std::filesystem::path& file);

}  // namespace roseyd::report
