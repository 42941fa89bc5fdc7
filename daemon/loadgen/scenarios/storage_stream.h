#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "bus/connection.h"
#include "bus/subscription.h"
#include "loadgen/scenarios/scenario_context.h"
#include "report/stats.h"

namespace roseyd::loadgen {

// One plugin-storage request: its subject and body.
struct StorageRequest {
  std::string subject;
  std::string payload;
};

// Open-loop requests of the plugin storage API on one connection, for the
// kv_latency, row_insert_latency and row_search_latency scenarios: request
// `index` is made by `make` and due at start + index * interval; its
// latency runs from that intended time to its reply (as RequestStream's).
// A reply saying "success": false counts as failed; each reply is kept when
// `keep_replies` (the insert scenario reads the ids back).
//
// Thread: Send from the scheduling thread; replies arrive on a cnats
// thread; the accessors are thread-safe. *connection must outlive it.
class StorageStream {
 public:
  // Subscribes to its inbox; throws StartupError if it cannot.
  StorageStream(bus::Connection* connection, uint64_t count, ScenarioClock::time_point start,
                std::chrono::nanoseconds interval,
                std::function<StorageRequest(uint64_t index)> make, bool keep_replies = false);

  StorageStream(const StorageStream&) = delete;
  StorageStream& operator=(const StorageStream&) = delete;

  Status Send(uint64_t index);

  uint64_t Answered() const { return answered_count_.load(); }
  // Blocks until `sent` replies arrived or `deadline`.
  void WaitReplies(uint64_t sent, ScenarioClock::time_point deadline) const;
  report::LatencyHistogram Latencies() const EXCLUDES(mu_);
  // Replies saying success:false, plus requests never answered.
  uint64_t Failed(uint64_t sent) const EXCLUDES(mu_);
  // The last reply's arrival (for the achieved rate).
  ScenarioClock::time_point LastReply() const EXCLUDES(mu_);
  // Reply `index`, when kept; empty if none came.
  std::string Reply(uint64_t index) const EXCLUDES(mu_);

 private:
  void OnReply(const bus::Message& m) EXCLUDES(mu_);

  // Constant after construction.
  bus::Connection* const connection_;
  const uint64_t count_;
  const ScenarioClock::time_point start_;
  const std::chrono::nanoseconds interval_;
  const std::function<StorageRequest(uint64_t)> make_;
  const bool keep_replies_;
  const std::string inbox_;

  mutable Mutex mu_;
  std::vector<bool> answered_ GUARDED_BY(mu_);
  std::vector<std::string> replies_ GUARDED_BY(mu_);
  report::LatencyHistogram latencies_ GUARDED_BY(mu_);
  uint64_t failed_ GUARDED_BY(mu_) = 0;
  ScenarioClock::time_point last_reply_ GUARDED_BY(mu_){};
  std::atomic<uint64_t> answered_count_{0};
  std::unique_ptr<bus::Subscription> subscription_;  // last: goes first
};

// Runs `count` requests of `stream` at `rate` open loop from one bot and
// fills the result: sent, failed requests, request latency, publish call
// time, timeline, and the figures p50/p95/p99_latency_ms, failed_requests
// and ops_per_second (replies per second of the load window), and
// cpu_us_per_request when the service is in this process. Waits up to 10 s
// for stragglers. `stream` must have been made after `threads_before` was
// taken (ProcessUsage::Threads()): the threads it started, and this one,
// are the load generator's in bots->usage.
void RunStorageLoad(ScenarioContext* ctx, Bots* bots, const std::set<pid_t>& threads_before,
                    StorageStream* stream, uint64_t count, double rate,
                    ScenarioClock::time_point start);

// A request on `connection` that must succeed (a scenario's setup: the
// schema, the prefill); throws std::runtime_error naming `what` otherwise.
std::string SetupRequest(bus::Connection* connection, const std::string& subject,
                         const std::string& payload, const std::string& what);

// The plugin name the storage scenarios use: one for every run, so that
// their keys and tables are reused rather than piling up in the database.
inline constexpr const char* kBenchPlugin = "roseyd-bench";

}  // namespace roseyd::loadgen
