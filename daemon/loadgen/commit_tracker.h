#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "report/stats.h"
#include "writer/event_writer.h"

namespace prometheus {
class Histogram;
class Counter;
}  // namespace prometheus

namespace roseyd::loadgen {

// Follows the events of one load phase to their commits. Event i of the
// phase carries trace id first_id + i and was meant to be sent at
// start + i * interval: the open-loop schedule, so latency is measured from
// the intended send, never from when the sender got round to it.
//
// Thread: OnCommitted on the writer thread; the rest from any thread.
class CommitTracker : public store::CommitListener {
 public:
  using Clock = std::chrono::steady_clock;

  // `live` (may be null) also observes every latency, in seconds; `persisted`
  // (may be null) counts first commits.
  CommitTracker(uint64_t first_id, uint64_t count, Clock::time_point start,
                std::chrono::nanoseconds interval, prometheus::Histogram* live = nullptr,
                prometheus::Counter* persisted = nullptr);

  uint64_t first_id() const { return first_id_; }
  Clock::time_point IntendedTime(uint64_t index) const;

  // Events whose commit was seen (each counted once) and commits seen twice.
  uint64_t Committed() const { return committed_.load(std::memory_order_acquire); }
  // Commits (batches) that held at least one of the phase's events.
  uint64_t Batches() const { return batches_.load(std::memory_order_acquire); }
  uint64_t Duplicates() const;
  // Events the store refused: they will never commit, so nobody waits for them.
  uint64_t Rejected() const { return rejected_.load(std::memory_order_acquire); }
  // Blocks until every event committed or was rejected, or `deadline`; true
  // if all committed. Once *cancelled is set (when not null), the wait ends
  // within kCancelGrace.
  bool WaitAll(Clock::time_point deadline, const std::atomic<bool>* cancelled = nullptr) const;
  // Blocks until `n` have committed or been rejected, or until nothing new
  // did for `quiet`, or `deadline`; within kCancelGrace of *cancelled.
  void WaitQuiet(uint64_t n, std::chrono::milliseconds quiet, Clock::time_point deadline,
                 const std::atomic<bool>* cancelled = nullptr) const;

  report::LatencyHistogram Latencies() const;
  // First and last commit seen; the epoch when none.
  Clock::time_point FirstCommit() const;
  Clock::time_point LastCommit() const;
  // Watch for the first commit at or after `t`; FirstCommitAfterWatch()
  // returns it (the epoch while none).
  void WatchFrom(Clock::time_point t);
  Clock::time_point FirstCommitAfterWatch() const;

  void OnCommitted(std::span<const store::Event> batch,
                   std::chrono::nanoseconds commit_duration) noexcept override;
  void OnRejected(const store::Event& event, const Status& why) noexcept override;
  void OnWriteError(const Status&) noexcept override {}

 private:
  const uint64_t first_id_;
  const uint64_t count_;
  const Clock::time_point start_;
  const std::chrono::nanoseconds interval_;
  prometheus::Histogram* const live_;
  prometheus::Counter* const persisted_;

  mutable Mutex mu_;
  std::vector<bool> seen_ GUARDED_BY(mu_);
  uint64_t duplicates_ GUARDED_BY(mu_) = 0;
  report::LatencyHistogram latencies_ GUARDED_BY(mu_);
  Clock::time_point watch_from_ GUARDED_BY(mu_) = Clock::time_point::max();
  Clock::time_point first_after_watch_ GUARDED_BY(mu_){};
  Clock::time_point first_commit_ GUARDED_BY(mu_){};
  Clock::time_point last_commit_ GUARDED_BY(mu_){};
  std::atomic<uint64_t> committed_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> rejected_{0};
};

// Trace ids are unique within the process, so trackers never see each
// other's events.
uint64_t ReserveTraceIds(uint64_t count);

// How long a wait for commits (or replies) goes on after its run was
// cancelled: what was sent commits within milliseconds on a healthy service,
// and the stop that cancelled the run must not wait for what never was.
inline constexpr std::chrono::milliseconds kCancelGrace{200};

// `deadline`, or kCancelGrace from now if that is sooner and *cancelled is
// set (`cancelled` may be null). Called in a wait's loop, it ends the wait
// kCancelGrace after the cancel.
std::chrono::steady_clock::time_point CancelAwareDeadline(
    std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* cancelled);

}  // namespace roseyd::loadgen
