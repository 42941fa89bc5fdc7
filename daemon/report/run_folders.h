#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "report/results.h"

namespace roseyd::report {

// The reports of a running roseyd (and of `roseyd bench` without --out),
// kept one folder per run under a root:
//   <root>/2026-12-01T10-22-03Z/   BENCHMARK_RESULTS.md, benchmark_results.json, charts/
//   <root>/latest -> 2026-12-01T10-22-03Z
// A run never writes into another run's folder; the oldest folders beyond a
// count are removed, so a soak machine does not fill its disk. Only folders
// named like a run are ever removed. Not thread-safe: one writer per root.

// Creates the folder of a run that started at `started`, named for that
// time in UTC, with "-2", "-3"... when the name is taken. Throws
// std::runtime_error naming the folder when it cannot be created.
std::filesystem::path NewRunFolder(const std::filesystem::path& root,
                                   std::chrono::system_clock::time_point started);

// Points <root>/latest at `run` with a relative symlink, replaced in one
// rename. Throws std::runtime_error.
void LinkLatest(const std::filesystem::path& root, const std::filesystem::path& run);

// The run folders under `root`, oldest first.
std::vector<std::filesystem::path> RunFolders(const std::filesystem::path& root);

// Removes the oldest run folders beyond the newest `keep` (at least one is
// always kept); returns what it removed. A folder that cannot be removed is
// left, with a line in *problems (when not null); nothing is thrown.
std::vector<std::filesystem::path> PruneRunFolders(const std::filesystem::path& root,
                                                   std::size_t keep,
                                                   std::vector<std::string>* problems = nullptr);

// benchmark_results.json of the run <root>/latest points at, if there is one.
std::optional<std::filesystem::path> LatestReportJson(const std::filesystem::path& root);

// Writes `report` into a new run folder under `root` (named for its start,
// report.started_utc), points latest at it and prunes to `keep`; returns the
// folder. Throws std::runtime_error when the report cannot be written;
// pruning problems go to *problems.
std::filesystem::path WriteRunReport(const RunReport& report, const std::filesystem::path& root,
                                     std::size_t keep, std::vector<std::string>* problems);

}  // namespace roseyd::report
