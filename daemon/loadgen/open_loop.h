#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "report/results.h"
#include "report/stats.h"

namespace prometheus {
class Counter;
class Histogram;
}  // namespace prometheus

namespace roseyd::bus {
class Connection;
class Subscription;
struct Message;
}  // namespace roseyd::bus

namespace roseyd::loadgen {

class ProcessUsage;

// What one open-loop load phase did.
struct LoadOutcome {
  uint64_t sent = 0;
  uint64_t errors = 0;
  std::string first_error;
  report::LatencyHistogram publish_call;  // time inside send(), not a latency
  std::vector<report::TimelinePoint> timeline;
  std::chrono::steady_clock::time_point timeline_origin{};  // t_s = 0 of the timeline
  std::chrono::steady_clock::time_point end{};
  bool cancelled = false;
};

// The open-loop scheduler (constant rate, as wrk2). Sends `count` items:
// lane l sends indices l, l + lanes, ...; index i is due at
// start + i * interval (interval 0: all at once, back to back). Nothing
// waits for a reply or a commit, so a slow service never delays a send; a
// lane that is itself late (a send blocked) catches up at once without
// moving the schedule, so whoever measures from the intended time sees that
// delay in full. Samples rates every `sample_every` (a second by default),
// and the service's RSS and CPU from `usage` when it is not null (the
// service is this process). Returns when everything was sent or `cancelled`
// is set.
//
// Thread: runs its own Asio context on the calling thread; `send` and
// `persisted` are called there.
LoadOutcome DriveLoad(std::chrono::steady_clock::time_point start,
                      std::chrono::nanoseconds interval, uint64_t count, int lanes,
                      const std::function<Status(int lane, uint64_t index)>& send,
                      const std::function<uint64_t()>& persisted, ProcessUsage* usage,
                      const std::atomic<bool>& cancelled, prometheus::Counter* live_sent,
                      std::chrono::milliseconds sample_every = std::chrono::seconds(1));

// One request of a RequestStream: its subject and body.
struct StreamRequest {
  std::string subject;
  std::string payload;
};

// The classic protocol's queries: the four query subjects in turn (request
// `index` is subject index % 4), or only query.user_stats, for a probe.
std::function<StreamRequest(uint64_t index)> ClassicQueries(std::string prefix,
                                                            std::string username,
                                                            bool user_stats_only = false);
// What counts as a failed reply: the classic protocol's replies say
// "success":false; the plugin storage API's say "success": false (or, from
// an older roseyd, without the space).
bool ClassicReplyFailed(std::string_view reply);
bool StorageReplyFailed(std::string_view reply);

// Open-loop requests on one connection: request `index` is made by `make`
// and due at start + index * interval. Replies come to one inbox per
// stream, the request's index as its last token; each request's latency
// runs from its intended send time to its reply, never from the actual
// send. A reply for which `failed` is true counts as failed; each reply is
// kept when `keep_replies` (a scenario that reads ids back).
//
// Thread: Send from the scheduling thread; replies arrive on a cnats thread;
// the accessors are thread-safe. *connection and *live (may be null) must
// outlive it.
class RequestStream {
 public:
  // Subscribes to the inbox; throws StartupError if it cannot.
  RequestStream(bus::Connection* connection, uint64_t count,
                std::chrono::steady_clock::time_point start, std::chrono::nanoseconds interval,
                std::function<StreamRequest(uint64_t index)> make,
                std::function<bool(std::string_view reply)> failed,
                prometheus::Histogram* live = nullptr, bool keep_replies = false);
  // The classic queries (ClassicQueries, ClassicReplyFailed).
  RequestStream(bus::Connection* connection, std::string prefix, std::string username,
                uint64_t count, std::chrono::steady_clock::time_point start,
                std::chrono::nanoseconds interval, prometheus::Histogram* live,
                bool user_stats_only = false);
  ~RequestStream();

  RequestStream(const RequestStream&) = delete;
  RequestStream& operator=(const RequestStream&) = delete;

  // Publishes request `index`.
  Status Send(uint64_t index);

  uint64_t Answered() const { return answered_count_.load(); }
  // Blocks until `sent` replies arrived or `deadline`; once *cancelled is
  // set (when not null), within kCancelGrace.
  void WaitReplies(uint64_t sent, std::chrono::steady_clock::time_point deadline,
                   const std::atomic<bool>* cancelled = nullptr) const;
  report::LatencyHistogram Latencies() const EXCLUDES(mu_);
  // Failed replies, plus requests never answered.
  uint64_t Failed(uint64_t sent) const EXCLUDES(mu_);
  // The last reply's arrival (for the achieved rate).
  std::chrono::steady_clock::time_point LastReply() const EXCLUDES(mu_);
  // Reply `index`, when kept; empty if none came.
  std::string Reply(uint64_t index) const EXCLUDES(mu_);

 private:
  // On the inbox subscription's cnats thread.
  void OnReply(const bus::Message& m) EXCLUDES(mu_);

  // Constant after construction.
  bus::Connection* const connection_;
  const uint64_t count_;
  const std::chrono::steady_clock::time_point start_;
  const std::chrono::nanoseconds interval_;
  const std::function<StreamRequest(uint64_t)> make_;
  const std::function<bool(std::string_view)> failed_reply_;
  prometheus::Histogram* const live_;
  const bool keep_replies_;
  const std::string inbox_;

  mutable Mutex mu_;
  std::vector<bool> answered_ GUARDED_BY(mu_);
  std::vector<std::string> replies_ GUARDED_BY(mu_);
  report::LatencyHistogram latencies_ GUARDED_BY(mu_);
  uint64_t failed_ GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point last_reply_ GUARDED_BY(mu_){};
  std::atomic<uint64_t> answered_count_{0};
  std::unique_ptr<bus::Subscription> subscription_;  // last: goes first
};

}  // namespace roseyd::loadgen
