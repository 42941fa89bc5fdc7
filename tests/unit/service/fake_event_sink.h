#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "base/mutex.h"
#include "store/event_sink.h"

namespace roseyd::service {

// An EventSink that keeps what is submitted and commits only when the test
// says so.
//
// Thread: thread-safe.
class FakeEventSink : public store::EventSink {
 public:
  Status Submit(store::Event event, uint64_t* seq = nullptr) override {
    MutexLock lock(&mu_);
    event.seq = ++submitted_;
    if (seq != nullptr) *seq = event.seq;
    events_.push_back(std::move(event));
    return Status::OK();
  }
  uint64_t LastSubmitted() const override {
    MutexLock lock(&mu_);
    return submitted_;
  }
  uint64_t LastCommitted() const override {
    MutexLock lock(&mu_);
    return committed_;
  }
  uint64_t StreamPosition() const override {
    MutexLock lock(&mu_);
    return stream_seq_;
  }
  Status WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline) override {
    MutexLock lock(&mu_);
    ++hurried_waits_;
    waiting_for_.push_back(seq);
    while (committed_ < seq && committed_cv_.WaitUntil(deadline)) {
    }
    waiting_for_.erase(std::find(waiting_for_.begin(), waiting_for_.end(), seq));
    return committed_ >= seq ? Status::OK() : Status::Unavailable("not committed in time");
  }
  Status WaitCommittedInBatch(uint64_t seq,
                              std::chrono::steady_clock::time_point deadline) override {
    MutexLock lock(&mu_);
    ++in_batch_waits_;
    while (committed_ < seq && committed_cv_.WaitUntil(deadline)) {
    }
    return committed_ >= seq ? Status::OK() : Status::Unavailable("not committed in time");
  }
  size_t QueueDepth() const override {
    MutexLock lock(&mu_);
    return static_cast<size_t>(submitted_ - committed_);
  }

  // Commits every event up to sink sequence `seq`, as the writer would.
  void CommitThrough(uint64_t seq) {
    MutexLock lock(&mu_);
    committed_ = std::max(committed_, std::min(seq, submitted_));
    for (const auto& event : events_) {
      if (event.seq <= committed_) stream_seq_ = std::max(stream_seq_, event.stream_seq);
    }
    committed_cv_.SignalAll();
  }
  // What the database says was applied at open.
  void SetLastStreamSeq(uint64_t seq) {
    MutexLock lock(&mu_);
    stream_seq_ = seq;
  }
  // Event::stream_seq of each event submitted, in order.
  std::vector<uint64_t> StreamSeqs() const {
    MutexLock lock(&mu_);
    std::vector<uint64_t> seqs;
    for (const auto& event : events_) seqs.push_back(event.stream_seq);
    return seqs;
  }
  std::vector<store::Event> Events() const {
    MutexLock lock(&mu_);
    return events_;
  }

  // How many WaitCommitted calls wait for `seq` now and are not yet
  // satisfied by what has committed.
  int WaitingFor(uint64_t seq) const {
    MutexLock lock(&mu_);
    return committed_ >= seq
               ? 0
               : static_cast<int>(std::count(waiting_for_.begin(), waiting_for_.end(), seq));
  }
  // How often each wait was called.
  int HurriedWaits() const {
    MutexLock lock(&mu_);
    return hurried_waits_;
  }
  int InBatchWaits() const {
    MutexLock lock(&mu_);
    return in_batch_waits_;
  }

 private:
  mutable Mutex mu_;
  CondVar committed_cv_{&mu_};
  uint64_t submitted_ GUARDED_BY(mu_) = 0;
  int hurried_waits_ GUARDED_BY(mu_) = 0;   // WaitCommitted calls
  int in_batch_waits_ GUARDED_BY(mu_) = 0;  // WaitCommittedInBatch calls
  uint64_t committed_ GUARDED_BY(mu_) = 0;
  uint64_t stream_seq_ GUARDED_BY(mu_) = 0;
  std::vector<store::Event> events_ GUARDED_BY(mu_);
  std::vector<uint64_t> waiting_for_ GUARDED_BY(mu_);  // each WaitCommitted's seq
};

}  // namespace roseyd::service
