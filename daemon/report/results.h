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
  int attempt = 1;              // 2 and up: a missed rate tried again
  double floor_p99_ms = 0;      // the NATS echo floor's p99 during the step; 0 not measured
  double steal_percent = 0;     // CPU steal during the step, % of all CPU time
};

// The machine's noise over one window of a run (BENCHMARKS.md, "Noise"):
// the 1-minute load average, CPU steal and iowait from /proc/stat, and the
// raw NATS echo floor, round trips through the run's NATS server to a
// responder that does nothing, each timed from its intended send.
struct NoiseWindow {
  double seconds = 0;
  double load_avg_mean = 0;  // 1-minute load average, mean of the samples
  double load_avg_max = 0;
  double steal_percent = 0;  // of all CPU time (every core) over the window
  double iowait_percent = 0;
  uint64_t floor_n = 0;  // echo round trips answered in the window
  double floor_p50_ms = 0;
  double floor_p99_ms = 0;
  double floor_max_ms = 0;
};

// One scenario's noise: its window, and whether its figures were taken
// while the floor moved (then a missed timing target is DISTURBED).
struct ScenarioNoise {
  NoiseWindow window;
  bool moved = false;
  // A saturating scenario (burst, capacity) raises the echo floor by its
  // own load: it is judged from CPU steal alone.
  bool by_steal_only = false;
  std::string why;  // what moved, with the figures; "" when nothing did
};

// The run's noise: the idle floor, measured before the first scenario, and
// the whole run after it.
struct RunNoise {
  std::string subject;    // the echo's subject
  double probe_rate = 0;  // echo probes per second, open loop
  std::string rule;       // when a scenario's floor counts as moved, in words
  NoiseWindow idle;
  NoiseWindow run;
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
  std::optional<ScenarioNoise> noise;   // when the run measured its noise
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
  std::optional<RunNoise> noise;               // when the run could measure its noise
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
