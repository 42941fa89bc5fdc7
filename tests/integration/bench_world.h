#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "integration/roseyd_process.h"
#include "support/run_to_exit.h"

namespace roseyd::testing {

// A small catalog for the tests of a running roseyd's load generator: its
// "quick" suite has one scenario of each kind that writes (chat lines,
// requests, every event subject, a restart, a capacity ramp, a burst) and
// takes about 20 s; "slow" runs a minute, to be cancelled; "failing" misses
// an impossible P0 target.
extern const char kSmallCatalog[];

// Every row of every table of the SQLite file at `path`, as text: one line
// per row, tables by name, rows sorted. Two equal snapshots hold the same
// rows.
std::string SnapshotTables(const std::string& path);

}  // namespace roseyd::testing
