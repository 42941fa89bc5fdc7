#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "loadgen/bench_target.h"
#include "loadgen/loadgen_metrics.h"
#include "loadgen/scenario.h"
#include "report/results.h"

namespace roseyd::loadgen {

// What to run: a suite, or named scenarios (with the suite's overrides when
// both are given), with optional caps from the control plane.
struct RunRequest {
  std::string suite = "quick";
  std::vector<std::string> scenarios;  // empty: the whole suite
  std::optional<double> max_rate;      // refuse scenarios offering more
  std::optional<std::chrono::milliseconds> max_duration;
};

// Runs scenarios against a BenchTarget and judges them. Each scenario opens
// its own NATS connections (one per simulated publisher, like real bots),
// schedules sends open-loop on Asio, follows every event to its commit, and
// counts the rows in the database at the end.
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
  // Throws std::invalid_argument naming an unknown suite or scenario.
  report::RunReport RunSuite(
      const ScenarioCatalog& catalog, const RunRequest& request,
      const std::function<void(const report::ScenarioResult&)>& on_done = nullptr);

  // Stops the scenario running now at its next step (results so far are
  // kept, marked cancelled) and skips the rest.
  void Cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  // The scenario running now; "" between scenarios.
  std::string CurrentScenario() const EXCLUDES(current_mu_);

 private:
  void SetCurrent(const std::string& name) EXCLUDES(current_mu_);

  BenchTarget* const target_;
  LoadgenMetrics* const metrics_;
  std::atomic<bool> cancelled_{false};
  mutable Mutex current_mu_;
  std::string current_ GUARDED_BY(current_mu_);
};

// Fills figures' verdicts and headroom from the spec's targets, and the
// scenario status as the worst of them.
void Judge(const ScenarioSpec& spec, report::ScenarioResult* result);

}  // namespace roseyd::loadgen
