#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/status.h"
#include "bus/connection.h"
#include "loadgen/bench_target.h"
#include "loadgen/commit_tracker.h"
#include "loadgen/loadgen_metrics.h"
#include "loadgen/nats_error_log.h"
#include "loadgen/open_loop.h"
#include "loadgen/process_usage.h"
#include "loadgen/scenario.h"
#include "report/results.h"
#include "report/stats.h"

namespace roseyd::store {
class BenchCounts;
}  // namespace roseyd::store

namespace roseyd::loadgen {

class NoiseMonitor;

using ScenarioClock = std::chrono::steady_clock;

// Thrown by a scenario that cannot run here for a reason that is no failure
// (valgrind is not installed, there is no PostgreSQL to use): NOT RUN with
// the message as its note, which alone does not change the exit status.
class Inapplicable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Room for connections and timers to settle before the first intended send.
inline constexpr std::chrono::milliseconds kLead{50};

// Events lost: sent but not persisted (never negative). The one place the
// figure is computed.
uint64_t LostEvents(uint64_t sent, uint64_t persisted);

// The open-loop interval for `rate` per second; 0 (back to back) for rate 0.
std::chrono::nanoseconds IntervalFor(double rate);
double Seconds(ScenarioClock::duration d);
double Millis(ScenarioClock::duration d);
report::LatencyResult LatencyResultOf(const report::LatencyHistogram& histogram);

// Simulated bots: one NATS connection each, as real bots have, and this
// process's CPU and RSS less the bots' threads (what remains is the
// service's when it runs in this process).
struct Bots {
  std::vector<std::unique_ptr<bus::Connection>> connections;
  ProcessUsage usage;
};

// Registers `listener` with `target` for its scope, so that no path out of
// a scenario (an exception included) leaves a dead listener registered.
// *target and *listener must outlive it.
class ScopedCommitListener {
 public:
  ScopedCommitListener(BenchTarget* target, store::CommitListener* listener);
  ~ScopedCommitListener() { Remove(); }
  ScopedCommitListener(const ScopedCommitListener&) = delete;
  ScopedCommitListener& operator=(const ScopedCommitListener&) = delete;

  // Stops the notifications now; the listener's counts are final after it.
  void Remove();

 private:
  BenchTarget* target_;  // null once removed
  store::CommitListener* const listener_;
};

// Chat lines of one load phase, each followed to its commit.
struct ChatRun {
  LoadOutcome load;
  std::unique_ptr<CommitTracker> tracker;  // no longer listening
  ScenarioClock::time_point start;         // intended time of the first line
};

// What every scenario shares: its spec, the target, the run's users and
// subjects, the bots, commit tracking, chat load, row counts, and the
// result it fills (figures, notes, sent / persisted / lost).
//
// Thread: confined to the thread running the scenario, except that the
// `during` function of SendChat runs on a thread of its own. `spec`,
// *target, the metrics behind `live` and `cancelled` must outlive it.
class ScenarioContext {
 public:
  ScenarioContext(const ScenarioSpec& spec, BenchTarget* target,
                  std::optional<LoadgenMetrics::Live> live, const std::atomic<bool>& cancelled);

  ScenarioContext(const ScenarioContext&) = delete;
  ScenarioContext& operator=(const ScenarioContext&) = delete;

  const ScenarioSpec& spec() const { return spec_; }
  BenchTarget* target() const { return target_; }
  const LoadgenMetrics::Live* live() const { return live_ ? &*live_ : nullptr; }
  const std::atomic<bool>& cancelled() const { return cancelled_; }
  report::ScenarioResult& result() { return result_; }

  // The run's noise monitor, for a scenario that measures the floor beside
  // its own steps (capacity); null when the run has none. *noise must
  // outlive the context.
  NoiseMonitor* noise() const { return noise_; }
  void SetNoise(NoiseMonitor* noise) { noise_ = noise; }
  // Threads of the run's own (the noise monitor's, the bot's-service
  // probe's): StartBots counts them as the load generator's in bots.usage.
  void ExcludeFromServiceCpu(const std::set<pid_t>& threads) {
    run_threads_.insert(threads.begin(), threads.end());
  }

  // Users of this run are "bench<tag>-p<i>": a prefix no other run shares,
  // so its rows can be counted apart.
  const std::string& user_prefix() const { return user_prefix_; }
  std::string User(int i) const;
  // The target's subject prefix + "." + suffix.
  std::string Subject(const char* suffix) const;

  // The preamble of every scenario: connects `bots` bots (with the target's
  // credentials and TLS), excludes their threads from bots.usage, then has
  // them join users 0..users-1 (bots join first, as on a channel, so chat
  // lines also count in user_stats); the run's own threads
  // (ExcludeFromServiceCpu) are excluded too. Throws when a bot cannot connect or
  // the joins do not commit within 10 s.
  Bots StartBots(int bots, int users);
  // &bots->usage when the service runs in this process, else null (its CPU
  // and RSS are not this process's).
  ProcessUsage* ServiceUsage(Bots* bots) const;

  // A tracker for `count` events with fresh trace ids, the first intended
  // at `start`, one every `interval`; with the live metrics when `live`.
  std::unique_ptr<CommitTracker> NewTracker(uint64_t count, ScenarioClock::time_point start,
                                            std::chrono::nanoseconds interval, bool live) const;

  // How often SendChat samples its timeline (default 1 s); finer for a
  // scenario whose events are shorter, so they show on its chart.
  void SetTimelineInterval(std::chrono::milliseconds interval) { timeline_interval_ = interval; }

  // Sends `count` chat lines from every bot in turn at `rate` (0: back to
  // back), open loop, and follows each to its commit, waiting for
  // stragglers until 2 s pass without one (30 s at most). `during` (when
  // set) runs on its own thread while the lines are sent.
  ChatRun SendChat(Bots* bots, double rate, uint64_t count,
                   const std::function<void(CommitTracker&)>& during = nullptr);
  // Adds a chat run's outcome to the result: sent, persisted (rows counted
  // in the database when it can be read from here, else the commits seen),
  // lost, event latency, publish call time, timeline, failed publishes,
  // duplicate and rejected commits.
  void RecordChatOutcome(const ChatRun& run);
  // Sets the result's persisted, and lost from it and the result's sent.
  void SetPersisted(uint64_t persisted);

  // Whether persisted rows can be counted in the database from here.
  bool CountsRows() const { return !target_->DatabasePath().empty(); }
  // recent_chat rows of this run's users.
  int64_t CountChatRows() const;
  // Runs `count` on a read-only connection to the target's database.
  // REQUIRES: CountsRows(). Throws std::runtime_error (naming the file)
  // when the file cannot be opened or the count fails.
  int64_t CountRows(const std::function<Status(store::BenchCounts&, int64_t*)>& count) const;

  void AddFigure(const std::string& metric, double value);
  // mean, p50, p95, p99 and max latency, in ms.
  void LatencyFigures(const report::LatencySummary& summary);
  // Appends to the result's note, "; "-separated; nothing for "".
  void AddNote(const std::string& note);
  // Notes what NATS refused or dropped on the bots' and the target's
  // connections during the scenario (a permission the server refused names
  // the subject and the operation).
  void NoteNatsErrors();
  // Marks a moment of the timeline for its chart (e.g. a restart), `at`
  // relative to the timeline whose origin is `origin`.
  void AddMarker(ScenarioClock::time_point origin, ScenarioClock::time_point at,
                 const std::string& label);

  // Sleeps for `d`, or until the run is cancelled.
  void Sleep(std::chrono::milliseconds d) const;

 private:
  void JoinUsers(Bots* bots, int users);

  const ScenarioSpec& spec_;
  BenchTarget* const target_;
  const std::optional<LoadgenMetrics::Live> live_;
  const std::atomic<bool>& cancelled_;
  const std::string tag_;
  const std::string user_prefix_;
  std::chrono::milliseconds timeline_interval_{1000};
  NoiseMonitor* noise_ = nullptr;
  std::set<pid_t> run_threads_;
  NatsErrorLog bot_errors_;  // the bots' connections' listener: outlives them
  report::ScenarioResult result_;
};

}  // namespace roseyd::loadgen
