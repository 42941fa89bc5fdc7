#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "bus/connection.h"
#include "loadgen/machine_load.h"
#include "report/results.h"
#include "report/stats.h"

namespace roseyd::bus {
class Subscription;
}  // namespace roseyd::bus

namespace roseyd::loadgen {

// When a window's figures count as taken while the floor moved
// (BENCHMARKS.md, "Noise"): its echo floor's p99 above kFloorRatio times the
// idle floor's p99 and above the idle p99 plus kFloorMarginMs, or CPU steal
// above kStealPercent of all CPU time.
//
// The margin is the tightest timing target there is (mean latency <= 5 ms):
// noise that pushes a figure past a target of T ms delays round trips by
// about T ms, so it moves the echo's p99 by at least 5 ms; a smaller move
// cannot have done it alone. It also rides over what a busy 2-core machine
// does to the echo without anything unusual: with only the echo running,
// 5-second windows' p99 ranged 1 to 4.6 ms (a thread waiting a 4 ms
// scheduler tick for a busy core), and 0.8 to 4.2 ms over 2-second idle
// windows. The ratio keeps a slow floor (an idle p99 of 8 ms) from moving
// on its own jitter.
inline constexpr double kFloorRatio = 2.0;
inline constexpr double kFloorMarginMs = 5.0;
// Steal of a tenth of the machine's CPU time is a neighbour taking a core's
// worth of scheduling slots out of every ten: more than the run's own
// variation (which stays under 1 % on a quiet host).
inline constexpr double kStealPercent = 10.0;
// With fewer answered probes a window's p99 is one or two samples: the echo
// does not judge it (steal still does).
inline constexpr uint64_t kMinFloorProbes = 20;
// Echo probes per second: enough for a p99 over a 5-second scenario (250
// probes), a cost that does not show (two messages a probe).
inline constexpr double kEchoRate = 50;
// The idle floor's window, before the first scenario.
inline constexpr std::chrono::milliseconds kIdleFloorWindow{2000};

// Whether `window`'s figures were taken while the floor moved against the
// `idle` floor, and why (with the figures). A `saturating` scenario (burst,
// capacity: it loads the machine itself) raises the echo by its own load, so
// it is judged from steal alone.
report::ScenarioNoise JudgeNoise(const report::NoiseWindow& idle, const report::NoiseWindow& window,
                                 bool saturating);
// The rule JudgeNoise applies, in words, for the report.
std::string NoiseRuleText();

// The machine's noise while a benchmark runs: the raw NATS echo floor (an
// echo responder and an open-loop prober, each on a connection of its own
// to the run's NATS server, on an inbox subject nobody else uses; each
// round trip timed from the probe's intended send), the 1-minute load
// average (sampled each second) and CPU steal and iowait (/proc/stat at a
// window's ends). Windows (a scenario's, a capacity step's) may overlap.
//
// Thread: Open and Close from any thread; Start, MeasureIdle and Stop from
// one. Between Start and Stop the probe and the load sampler run on threads
// of their own, and replies arrive on cnats threads.
class NoiseMonitor {
 public:
  using WindowId = uint64_t;

  // Connects the responder and the prober with `options` (the run's
  // credentials and TLS) and subscribes. Throws StartupError when it cannot.
  // REQUIRES: rate > 0.
  explicit NoiseMonitor(const bus::ConnectionOptions& options, double rate = kEchoRate);
  ~NoiseMonitor();  // Stop()

  NoiseMonitor(const NoiseMonitor&) = delete;
  NoiseMonitor& operator=(const NoiseMonitor&) = delete;

  // Starts probing and sampling.
  void Start();
  // Blocks for `window` (less when `cancelled`) and returns the window:
  // the idle floor, before any load. REQUIRES: Start().
  report::NoiseWindow MeasureIdle(std::chrono::milliseconds window,
                                  const std::atomic<bool>& cancelled);
  // Stops probing and sampling; open windows see nothing more.
  void Stop() EXCLUDES(mu_);

  // Starts a window now.
  WindowId Open() EXCLUDES(mu_);
  // Ends window `id` and returns what it saw (an empty window for an id
  // that is not open).
  report::NoiseWindow Close(WindowId id) EXCLUDES(mu_);

  // The threads the monitor added to the process (its connections' and its
  // own): the load generator's, never the service's CPU. Set by Start.
  const std::set<pid_t>& Threads() const { return threads_; }
  const std::string& Subject() const { return subject_; }
  double rate() const { return rate_; }

 private:
  struct Window {
    std::chrono::steady_clock::time_point began;
    std::optional<CpuTimes> cpu;
    report::LatencyHistogram floor;
    double load_sum = 0;
    int load_samples = 0;
    double load_max = 0;
  };

  void OnReply(const bus::Message& m) EXCLUDES(mu_);
  void AddLoadSample(Window* w, double load);
  // On sampler_: the load average each second until Stop.
  void SampleLoad() EXCLUDES(mu_);

  // Constant after construction.
  const double rate_;
  const std::string subject_;
  const std::string inbox_;
  const std::set<pid_t> threads_before_;
  std::unique_ptr<bus::Connection> responder_;
  std::unique_ptr<bus::Connection> prober_;
  // After their connections: unsubscribed first.
  std::unique_ptr<bus::Subscription> echo_;
  std::unique_ptr<bus::Subscription> replies_;

  std::set<pid_t> threads_;  // set by Start
  std::atomic<bool> stop_probe_{false};
  std::thread probe_;
  std::thread sampler_;

  mutable Mutex mu_;
  CondVar wake_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point probe_start_ GUARDED_BY(mu_){};  // probe 0's intended send
  WindowId next_id_ GUARDED_BY(mu_) = 1;
  std::map<WindowId, Window> open_ GUARDED_BY(mu_);
};

}  // namespace roseyd::loadgen
