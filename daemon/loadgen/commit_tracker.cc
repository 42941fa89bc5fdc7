#include "loadgen/commit_tracker.h"

#include <algorithm>
#include <thread>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>

namespace roseyd::loadgen {

using report::LatencyHistogram;

uint64_t ReserveTraceIds(uint64_t count) {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(count, std::memory_order_relaxed);
}

CommitTracker::CommitTracker(uint64_t first_id, uint64_t count, Clock::time_point start,
                             std::chrono::nanoseconds interval, prometheus::Histogram* live,
                             prometheus::Counter* persisted)
    : first_id_(first_id),
      count_(count),
      start_(start),
      interval_(interval),
      live_(live),
      persisted_(persisted),
      seen_(count, false) {}

CommitTracker::Clock::time_point CommitTracker::IntendedTime(uint64_t index) const {
  return start_ + interval_ * static_cast<int64_t>(index);
}

void CommitTracker::OnCommitted(std::span<const store::Event> batch,
                                std::chrono::nanoseconds) noexcept {
  const Clock::time_point now = Clock::now();
  uint64_t fresh = 0;
  {
    MutexLock lock(&mu_);
    for (const store::Event& event : batch) {
      if (event.trace_id < first_id_ || event.trace_id - first_id_ >= count_) continue;
      const uint64_t index = event.trace_id - first_id_;
      if (seen_[index]) {
        ++duplicates_;
        continue;
      }
      seen_[index] = true;
      ++fresh;
      const auto latency = now - IntendedTime(index);
      latencies_.Record(latency);
      if (live_ != nullptr) live_->Observe(std::chrono::duration<double>(latency).count());
    }
    if (fresh > 0) {
      if (first_commit_ == Clock::time_point{}) first_commit_ = now;
      last_commit_ = now;
      if (now >= watch_from_ && first_after_watch_ == Clock::time_point{}) {
        first_after_watch_ = now;
      }
    }
  }
  if (fresh > 0) {
    if (persisted_ != nullptr) persisted_->Increment(static_cast<double>(fresh));
    committed_.fetch_add(fresh, std::memory_order_release);
    batches_.fetch_add(1, std::memory_order_release);
  }
}

void CommitTracker::OnRejected(const store::Event& event, const Status&) noexcept {
  if (event.trace_id < first_id_ || event.trace_id - first_id_ >= count_) return;
  const uint64_t index = event.trace_id - first_id_;
  {
    MutexLock lock(&mu_);
    if (seen_[index]) {
      ++duplicates_;
      return;
    }
    seen_[index] = true;
  }
  rejected_.fetch_add(1, std::memory_order_release);
}

uint64_t CommitTracker::Duplicates() const {
  MutexLock lock(&mu_);
  return duplicates_;
}

bool CommitTracker::WaitAll(Clock::time_point deadline,
                            const std::atomic<bool>* cancelled) const {
  while (Committed() + Rejected() < count_) {
    deadline = CancelAwareDeadline(deadline, cancelled);
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return Committed() == count_;
}

void CommitTracker::WaitQuiet(uint64_t n, std::chrono::milliseconds quiet,
                              Clock::time_point deadline,
                              const std::atomic<bool>* cancelled) const {
  uint64_t last = Committed() + Rejected();
  Clock::time_point changed = Clock::now();
  while (last < n && Clock::now() < (deadline = CancelAwareDeadline(deadline, cancelled))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const uint64_t now_committed = Committed() + Rejected();
    if (now_committed != last) {
      last = now_committed;
      changed = Clock::now();
    } else if (Clock::now() - changed >= quiet) {
      return;
    }
  }
}

std::chrono::steady_clock::time_point CancelAwareDeadline(
    std::chrono::steady_clock::time_point deadline, const std::atomic<bool>* cancelled) {
  if (cancelled == nullptr || !cancelled->load()) return deadline;
  return std::min(deadline, std::chrono::steady_clock::now() + kCancelGrace);
}

LatencyHistogram CommitTracker::Latencies() const {
  MutexLock lock(&mu_);
  return latencies_;
}

CommitTracker::Clock::time_point CommitTracker::FirstCommit() const {
  MutexLock lock(&mu_);
  return first_commit_;
}

CommitTracker::Clock::time_point CommitTracker::LastCommit() const {
  MutexLock lock(&mu_);
  return last_commit_;
}

void CommitTracker::WatchFrom(Clock::time_point t) {
  MutexLock lock(&mu_);
  watch_from_ = t;
  first_after_watch_ = {};
}

CommitTracker::Clock::time_point CommitTracker::FirstCommitAfterWatch() const {
  MutexLock lock(&mu_);
  return first_after_watch_;
}

}  // namespace roseyd::loadgen
