#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "bus/connection.h"
#include "report/results.h"

namespace roseyd::loadgen {

// The bot's own service, probed while a benchmark drives the load
// generator's instance beside it: read-only requests (query.user_stats for
// a user that does not exist, so no row is ever written) at a low constant
// rate, open loop, each timed from its intended send to its reply, from a
// connection of its own. MeasureIdle before the run gives the idle figure;
// Start/Stop around the run give the figure during it.
//
// Thread: MeasureIdle, Start and Stop from one thread; the probe runs on a
// thread of its own between Start and Stop.
class BotProbe {
 public:
  // Connects with `options` (the configured credentials and TLS). Throws
  // StartupError when it cannot. REQUIRES: rate > 0.
  BotProbe(const bus::ConnectionOptions& options, std::string subject_prefix, double rate);
  ~BotProbe();  // Stop()

  BotProbe(const BotProbe&) = delete;
  BotProbe& operator=(const BotProbe&) = delete;

  // Probes for `window` (or until `cancelled`), blocking; fills the idle
  // half of *out.
  void MeasureIdle(std::chrono::milliseconds window, const std::atomic<bool>& cancelled,
                   report::BotServiceProbe* out);
  // Probes in the background until Stop, which fills the "during" half.
  void Start();
  void Stop(report::BotServiceProbe* out);

  // "rosey.db.query.user_stats"
  std::string Subject() const;

 private:
  struct Window {
    report::LatencyResult latency;
    uint64_t sent = 0;
    uint64_t failed = 0;
  };
  // Sends up to `count` requests at the probe's rate until done or `stop`.
  Window Probe(uint64_t count, const std::atomic<bool>& stop);

  const std::string prefix_;
  const double rate_;
  std::unique_ptr<bus::Connection> connection_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  Window during_;  // written by thread_, read after joining it
};

}  // namespace roseyd::loadgen
