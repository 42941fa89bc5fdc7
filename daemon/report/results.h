#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/stats.h"

namespace roseyd::report {

// What one run of the benchmark suite found: the data behind
// BENCHMARK_RESULTS.md, benchmark_results.json and the charts. Plain
// values: the load generator fills them, this part writes and reads them.

enum class Priority { kP0, kP1, kP2, kNone };  // P0 failures fail the run
std::string_view PriorityName(Priority priority);  // "P0", "P1", "P2", "-"

// One figure a scenario is judged on, e.g. mean_latency_ms <= 5.
struct Figure {
  std::string metric;  // snake_case with its unit: "mean_latency_ms", "persisted_per_second"
  double value = 0;
  std::optional<double> target;  // none: reported, not judged
  Comparison comparison = Comparison::kAtMost;
  Verdict verdict = Verdict::kNotRun;  // kNotRun when there is no target
  double headroom = 0;                 // Headroom(value, *target, comparison)
};

// A sample of the run over time, for the rate and RSS charts.
struct TimelinePoint {
  double t_s = 0;              // seconds since the scenario started
  double sent_per_s = 0;       // over the last interval
  double persisted_per_s = 0;  // commits observed over the last interval
  double rss_bytes = 0;        // of the service process
  double rss_anon_bytes = 0;   // its anonymous part (heap): what a leak grows
  double cpu_percent = 0;      // of one core, service process, over the last interval
};

// A moment of a scenario worth marking on its timeline chart, e.g. the
// service's restart.
struct Marker {
  double t_s = 0;  // on the timeline's clock
  std::string label;
};

struct LatencyResult {
  LatencySummary summary;
  std::vector<LatencyHistogram::Bucket> buckets;  // raw data for the JSON
};

// One rate of a capacity ramp: what was offered, what came of it.
struct RateStep {
  double offered_per_s = 0;
  uint64_t sent = 0;
  uint64_t persisted = 0;  // counted in the database
  uint64_t lost = 0;
  double persisted_per_s = 0;  // persisted over the step's window
  double p50_ms = 0;
  double p99_ms = 0;
  double cpu_us_per_event = 0;  // service CPU over the step per persisted event; 0 unknown
  bool within_target = false;   // p99 under the scenario's target and nothing lost
};

// The bot's own service, probed with read-only requests while a run drives
// the load generator's instance beside it: its latency idle (before the
// run) and during the run.
struct BotServiceProbe {
  std::string subject;  // "rosey.db.query.user_stats"
  double rate = 0;      // requests per second, open loop
  LatencyResult idle;
  LatencyResult during;
  uint64_t idle_sent = 0, idle_failed = 0;
  uint64_t during_sent = 0, during_failed = 0;
};

struct ScenarioResult {
  std::string name;         // "single_event_latency"
  std::string category;     // latency, throughput, cpu, memory, concurrency, failure_recovery
  std::string description;  // one sentence: what ran
  Priority priority = Priority::kNone;
  Verdict status = Verdict::kNotRun;  // worst verdict of its judged figures
  std::string note;  // why it did not run, or what the reader must know
  // NOT RUN because this target cannot run it at all (it measures or
  // restarts a service that is another process), not because something
  // failed: it does not make the run's exit status 2.
  bool inapplicable = false;
  double duration_s = 0;
  double target_rate = 0;  // events/s offered, 0 when not rate-driven
  uint64_t sent = 0;
  uint64_t persisted = 0;  // counted in the database
  uint64_t lost = 0;       // sent - persisted (never negative)
  uint64_t failed_requests = 0;
  std::optional<LatencyResult> event_latency;    // intended send -> commit
  std::optional<LatencyResult> request_latency;  // intended send -> reply
  std::optional<LatencyResult> publish_call;     // time inside the publish call
  std::vector<Figure> figures;
  std::vector<TimelinePoint> timeline;
  std::vector<Marker> markers;          // on the timeline
  std::vector<RateStep> steps;          // capacity: one per rate tried
  std::map<std::string, double> extra;  // anything else measured, by name with unit
};

// The machine and build a run measured (loadgen::DescribeEnvironment).
struct Environment {
  std::string os;           // PRETTY_NAME of /etc/os-release
  std::string kernel;       // uname -r
  std::string cpu_model;    // /proc/cpuinfo "model name"
  int cores = 0;
  uint64_t ram_bytes = 0;
  std::string compiler;
  std::string roseyd_version;
  std::string roseyd_revision;
  std::string nats_server_version;  // "unknown" when not found
  std::string sqlite_version;
  std::string config_yaml;  // the effective config used
};

// A figure that moved past the tolerance against the baseline, in the bad
// direction for its comparison.
struct Regression {
  std::string scenario;
  std::string metric;
  double baseline = 0;
  double current = 0;
  double change_percent = 0;  // signed, (current - baseline) / baseline * 100
  bool regressed = false;     // beyond tolerance in the bad direction
};

// One run of the suite: what WriteReport writes and ReadReportJson reads.
struct RunReport {
  std::string suite;           // quick, classic, full, or "custom"
  std::string started_utc;     // ISO 8601
  double duration_s = 0;
  std::string target;          // "embedded" or the NATS URL of a running roseyd
  bool cancelled = false;      // stopped before every scenario had run
  Environment environment;
  std::vector<ScenarioResult> scenarios;
  std::optional<BotServiceProbe> bot_service;  // when a bot's service served beside the run
  std::optional<std::string> baseline_file;
  std::string baseline_started_utc;  // when the baseline ran
  double tolerance_percent = 10;
  // False for a baseline taken automatically (the previous run of a running
  // roseyd): its regressions are shown, but do not fail the run.
  bool regressions_fail = true;
  std::vector<Regression> comparisons;  // filled by CompareToBaseline
  // Every finite figure of the baseline, by "scenario/metric", judged or
  // not, to show beside this run's (filled by CompareToBaseline).
  std::map<std::string, double> baseline_figures;
};

}  // namespace roseyd::report
