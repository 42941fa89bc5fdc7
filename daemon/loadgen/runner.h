#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "loadgen/bench_target.h"
#include "loadgen/loadgen_metrics.h"
#include "loadgen/scenario.h"
#include "report/results.h"

namespace roseyd::loadgen {

class NoiseMonitor;

// What to run: a suite, or named scenarios (with the suite's overrides when
// both are given), with optional caps from the control plane.
struct RunRequest {
  std::string suite = "quick";
  std::vector<std::string> scenarios;  // empty: the whole suite
  // Set the offered rate and the load's duration of every paced scenario
  // (not burst or capacity), as a control request may ask.
  std::optional<double> rate;
  std::optional<std::chrono::milliseconds> duration;
  std::optional<double> max_rate;      // refuse scenarios offering more
  std::optional<std::chrono::milliseconds> max_duration;
  // Read-only requests per second to the bot's service beside the run
  // (BenchTarget::BotSubjectPrefix), idle first; 0: no probe.
  double bot_probe_rate = 0;
  std::chrono::milliseconds bot_probe_idle{3000};
};

// Where a run is, for `roseyd ctl status` and `watch`.
struct RunProgress {
  std::string scenario;     // running now; "" between scenarios
  int index = 0;            // 1-based position of `scenario` in the run
  int total = 0;            // scenarios in the run
  double run_elapsed_s = 0;
  double scenario_elapsed_s = 0;
  uint64_t sent = 0;        // by the scenario running now (0 without live metrics)
  uint64_t persisted = 0;   // its commits seen so far (0 without live metrics)
};

// Runs scenarios against a BenchTarget and judges them. Each scenario opens
// its own NATS connections (one per simulated publisher, like real bots),
// schedules sends open-loop on Asio, follows every event to its commit, and
// counts the rows in the database at the end. Around the scenarios of a
// suite it calls the target's BeginRun and EndRun, probes the bot's service
// beside the run when asked, and records the machine's noise (NoiseMonitor:
// the NATS echo floor idle first, then in each scenario's window; load
// average, CPU steal) in the report, by which a timing target missed while
// the floor moved is DISTURBED.
//
// Thread: Run* from one thread at a time; Cancel, cancelled and
// CurrentScenario from any.
class Runner {
 public:
  // *target and *metrics (may be null) must outlive the Runner.
  Runner(BenchTarget* target, LoadgenMetrics* metrics);

  // Never throws: a scenario that cannot run is NOT RUN with a note.
  report::ScenarioResult RunScenario(const ScenarioSpec& spec);

  // Every scenario of the request, in order; `on_done` hears each result.
  // The report's environment holds the target's ConfigUsed(). When the
  // target cannot begin the run, every scenario is NOT RUN with the reason.
  // Throws std::invalid_argument naming an unknown suite or scenario.
  report::RunReport RunSuite(
      const ScenarioCatalog& catalog, const RunRequest& request,
      const std::function<void(const report::ScenarioResult&)>& on_done = nullptr);

  // Stops the scenario running now at its next step (results so far are
  // kept, the scenario CANCELLED) and skips the rest (CANCELLED too).
  void Cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  // The scenario running now; "" between scenarios.
  std::string CurrentScenario() const EXCLUDES(current_mu_);
  RunProgress Progress() const EXCLUDES(current_mu_);

 private:
  // Scenario `name` (index of total) starts, with its live counters (or
  // none); "" when it ended.
  void SetCurrent(const std::string& name, int index,
                  const std::optional<LoadgenMetrics::Live>& live) EXCLUDES(current_mu_);
  // Starts the run's noise monitor and measures the idle floor into
  // report->noise; null (logged) when its connections cannot be made.
  std::unique_ptr<NoiseMonitor> StartNoise(report::RunReport* report);
  // The scenarios after BeginRun: runs or refuses each in turn.
  void RunScenarios(const ScenarioCatalog& catalog, const RunRequest& request,
                    const std::vector<std::string>& names,
                    const std::function<void(const report::ScenarioResult&)>& on_done,
                    report::RunReport* report);

  BenchTarget* const target_;
  LoadgenMetrics* const metrics_;
  std::atomic<bool> cancelled_{false};
  // Set by RunSuite for its scenarios (null, empty outside a suite): the
  // noise monitor, its idle floor, and the run's own threads (the monitor's,
  // the bot probe's), which are not the service's CPU.
  NoiseMonitor* noise_ = nullptr;
  std::optional<report::NoiseWindow> idle_floor_;
  std::set<pid_t> run_threads_;
  mutable Mutex current_mu_;
  std::string current_ GUARDED_BY(current_mu_);
  int index_ GUARDED_BY(current_mu_) = 0;
  int total_ GUARDED_BY(current_mu_) = 0;
  std::chrono::steady_clock::time_point run_began_ GUARDED_BY(current_mu_){};
  std::chrono::steady_clock::time_point scenario_began_ GUARDED_BY(current_mu_){};
  std::optional<LoadgenMetrics::Live> live_ GUARDED_BY(current_mu_);
  double sent_at_start_ GUARDED_BY(current_mu_) = 0;
  double persisted_at_start_ GUARDED_BY(current_mu_) = 0;
};

// Applies the request's rate and duration to `spec` where the scenario is
// paced (not burst or capacity); notes in *note what it changed.
void ApplyOverrides(const RunRequest& request, ScenarioSpec* spec, std::string* note);

// Fills figures' verdicts and headroom from the spec's targets, and the
// scenario status as the worst of them (report::WorseVerdict). When
// result->noise says the floor moved, a timing figure (a latency, the first
// commit after a restart, a burst's time, capacity) that missed its target
// by a finite amount is DISTURBED instead of WARN or FAIL; lost, failed
// requests, wrong rows and memory never are.
void Judge(const ScenarioSpec& spec, report::ScenarioResult* result);

}  // namespace roseyd::loadgen
