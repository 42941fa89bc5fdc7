#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "app/control_client.h"

namespace roseyd {

// What `roseyd ctl watch` and `roseyd ctl start --wait` print of a load
// generator run, read from its status replies (bench.control.status).

// One line of progress: the run, its scenario, what was sent and persisted.
std::string ProgressLine(const nlohmann::json& status);

// Prints the scenarios done and how the finished run a status reply
// describes ended; returns its exit status (0 passed, 1 failed, 2 could not
// run or was cancelled).
int PrintFinished(const nlohmann::json& status);

// Follows run `run` (0: whichever is going) to its end, asking every
// `interval` and printing progress; returns the run's exit status, or 2 if
// roseyd stops answering or no run ever started.
int WatchRun(ControlClient& client, uint64_t run, std::chrono::milliseconds interval);

}  // namespace roseyd
