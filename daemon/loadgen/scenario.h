#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "report/results.h"
#include "report/stats.h"

namespace roseyd::loadgen {

// What a scenario runs; see config/scenarios.yaml.
enum class ScenarioKind {
  kEvents,           // chat lines at a constant rate from N publishers
  kRequests,         // the four query subjects in turn, open loop
  kBurst,            // chat lines back to back
  kCpuOverhead,      // idle, NATS path, store API path
  kMemoryBaseline,   // idle RSS against RSS under load
  kMemoryStability,  // RSS slope under constant load
  kMixed,            // every event subject in bot-like proportions plus queries
  kRestart,          // the service restarted under load
  kCapacity,         // a ramp of rates
  kKvLatency,        // plugin storage: kv.set and kv.get, open loop
  kRowInsertLatency, // plugin storage: row inserts, open loop
  kRowSearchLatency, // plugin storage: row searches over 10,000 rows, open loop
  kFailover,         // two instances on PostgreSQL; the leader stops under load
  kCost,             // a fixed workload's instructions, counted under valgrind
};

struct TargetSpec {
  std::string metric;
  double value = 0;
  report::Comparison comparison = report::Comparison::kAtMost;
};

struct ScenarioSpec {
  std::string name;
  ScenarioKind kind = ScenarioKind::kEvents;
  std::string category;
  std::string description;
  report::Priority priority = report::Priority::kNone;
  double rate = 100;      // events/s
  int64_t events = 0;     // 0: rate * duration
  std::chrono::milliseconds duration{0};
  int publishers = 1;
  int message_bytes = 64;
  // The bots' client coalesces back-to-back sends into few writes (cnats
  // without send-asap), as any client publishing faster than its socket
  // drains; otherwise each event goes out on its own, as a bot's does.
  bool buffered_sends = false;
  std::chrono::milliseconds idle{0};
  std::chrono::milliseconds warmup{0};
  int64_t prefill = 0;  // memory_stability: events sent back to back first, to fill SQLite's cache
  std::string durability;  // restart: the service's mode for the run ("" = as configured)
  // burst: times the burst is sent; its rate is the median round's, its
  // interval the lowest and highest round's.
  int rounds = 1;
  std::vector<double> rates;  // capacity
  std::chrono::milliseconds step{0};
  double p99_target_ms = 10;
  std::string workload;         // cost: cost::WorkloadName (events, queries, kv_get, row_search)
  std::string store = "sqlite";  // cost: sqlite, or postgres (a schema in bench.store_url)
  std::vector<TargetSpec> targets;

  // Events this scenario offers: `events`, else rate * duration.
  int64_t EventCount() const;
  // How long the offered load lasts.
  std::chrono::milliseconds LoadDuration() const;
  // Its size in words, for `roseyd ctl list`: "1000 events at 100/s over
  // 10 s from 1 bot", "rates 1000..50000 ev/s, 5 s each", "workload events
  // on sqlite under valgrind".
  std::string SizeText() const;
};

struct ScenarioCatalog {
  std::vector<ScenarioSpec> scenarios;                     // as written, without overrides
  std::map<std::string, std::vector<std::string>> suites;  // suite -> scenario names

  // The scenario with the suite's overrides applied (an unknown suite or
  // "custom" applies none). Throws std::invalid_argument naming the scenario.
  ScenarioSpec Get(const std::string& name, const std::string& suite) const;
  std::vector<std::string> Names() const;

  std::string source_yaml_;  // kept for the per-suite overrides
  std::string source_;
};

// Parses a catalog from YAML text; `source` names it in errors. Throws
// std::invalid_argument naming the source, the scenario and the bad field.
ScenarioCatalog ParseScenarios(const std::string& yaml, const std::string& source);
// The file, or the built-in copy of config/scenarios.yaml when `path` is empty.
ScenarioCatalog LoadScenarios(const std::string& path);

}  // namespace roseyd::loadgen
