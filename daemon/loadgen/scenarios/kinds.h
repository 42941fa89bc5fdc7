#pragma once

#include "loadgen/scenarios/scenario_context.h"

namespace roseyd::loadgen {

// One function per kind of scenario (ScenarioKind, "kind" in
// config/scenarios.yaml), each in the file named after it. Each runs its
// scenario through *context and leaves what it measured in
// context->result(): sent, persisted, lost, latencies, figures (judged
// later against the spec's targets) and notes. Each throws std::exception
// when the scenario cannot run; the runner reports it NOT RUN with the
// message. The registry (registry.h) maps kinds to them.

void RunEvents(ScenarioContext* context);            // events.cc: chat lines at a constant rate
void RunBurst(ScenarioContext* context);             // events.cc: chat lines back to back
void RunRequests(ScenarioContext* context);          // requests.cc: the four queries, open loop
void RunCpuOverhead(ScenarioContext* context);       // cpu_overhead.cc: idle, NATS, store API
void RunMemoryBaseline(ScenarioContext* context);    // memory_baseline.cc: idle RSS vs loaded
void RunMemoryStability(ScenarioContext* context);   // memory_stability.cc: RSS slope
void RunMixed(ScenarioContext* context);             // mixed.cc: every subject plus queries
void RunRestart(ScenarioContext* context);           // restart.cc: restart under load
void RunCapacity(ScenarioContext* context);          // capacity.cc: a ramp of rates
void RunKvLatency(ScenarioContext* context);         // kv_latency.cc: kv.set/kv.get, open loop
void RunRowInsertLatency(ScenarioContext* context);  // row_insert_latency.cc: row inserts
void RunRowSearchLatency(ScenarioContext* context);  // row_search_latency.cc: row searches
void RunFailover(ScenarioContext* context);          // failover.cc: the leader stops under load
void RunCost(ScenarioContext* context);              // cost.cc: instructions under valgrind

}  // namespace roseyd::loadgen
