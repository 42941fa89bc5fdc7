#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "bus/connection.h"
#include "loadgen/open_loop.h"
#include "loadgen/scenarios/scenario_context.h"

namespace roseyd::loadgen {

// The plugin storage scenarios' (kv_latency, row_insert_latency,
// row_search_latency) common part. Runs `count` requests of `stream`
// (a RequestStream made with StorageReplyFailed) at `rate` open loop from one bot and
// fills the result: sent, failed requests, request latency, publish call
// time, timeline, and the figures p50/p95/p99_latency_ms, failed_requests
// and ops_per_second (replies per second of the load window), and
// cpu_us_per_request when the service is in this process. Waits up to 10 s
// for stragglers. `stream` must have been made after `threads_before` was
// taken (ProcessUsage::Threads()): the threads it started, and this one,
// are the load generator's in bots->usage.
void RunStorageLoad(ScenarioContext* ctx, Bots* bots, const std::set<pid_t>& threads_before,
                    RequestStream* stream, uint64_t count, double rate,
                    ScenarioClock::time_point start);

// A request on `connection` that must succeed (a scenario's setup: the
// schema, the prefill); throws std::runtime_error naming `what` otherwise.
std::string SetupRequest(bus::Connection* connection, const std::string& subject,
                         const std::string& payload, const std::string& what);

// The plugin name the storage scenarios use: one for every run, so that
// their keys and tables are reused rather than piling up in the database.
inline constexpr const char* kBenchPlugin = "roseyd-bench";

}  // namespace roseyd::loadgen
