#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "base/mutex.h"
#include "base/status.h"
#include "bus/stream_consumer.h"

namespace roseyd::service {

// Read-your-writes in durable mode: a read is answered once every event the
// stream held when the read arrived has been applied. The stream is asked
// where it ends by a thread of the barrier's own, on behalf of every read
// waiting: a read that arrives while a query is in flight waits for the
// next one (the one in flight may have been answered before the read's
// events reached the stream), so at most one query is in flight, one
// JetStream round trip serves every read that arrived during the one
// before, and no request worker is held while the stream answers.
//
// One per role; what "applied" means is the role's (`Applied`): the writer
// waits for its intake to hand the sink the stream up to its end
// (StreamIntake), a follower for the writer to commit it (FollowerSink's
// sequences are stream sequences).
//
// Thread: thread-safe; `stream` is asked GetStreamState on the barrier's
// thread, which must be safe beside its other users.
class ReadBarrier {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // The sink sequence a read must see committed once the stream up to
  // `stream_end` is applied; it may wait, but not past `deadline`.
  using Applied = std::function<uint64_t(uint64_t stream_end, TimePoint deadline)>;

  ReadBarrier(bus::StreamConsumer* stream, Applied applied);  // starts the thread
  ~ReadBarrier();  // Stop()

  ReadBarrier(const ReadBarrier&) = delete;
  ReadBarrier& operator=(const ReadBarrier&) = delete;

  // A read arrived at `arrived`: the stream is asked, unless a query has been
  // sent since. Never waits for the stream (the delivery thread calls it).
  void Arrived(TimePoint arrived) EXCLUDES(mu_);

  // The sink sequence a read that arrived at `arrived`, when the sink's
  // LastSubmitted was `arrival_seq`, must see committed: Applied's for the
  // first answer to a query sent since, at least `arrival_seq`; or
  // `arrival_seq` itself if the stream cannot be asked before `deadline`
  // or the barrier stops.
  uint64_t Wait(TimePoint arrived, uint64_t arrival_seq, TimePoint deadline) EXCLUDES(mu_);

  // Ends the waits (as if the stream could not be asked) and the thread.
  // Idempotent.
  void Stop() EXCLUDES(mu_);

  // Stream queries sent so far, and the reads now waiting for an answer.
  uint64_t Queries() const EXCLUDES(mu_);
  int Waiting() const EXCLUDES(mu_);

 private:
  void NoteArrival(TimePoint arrived) REQUIRES(mu_);
  void Run() EXCLUDES(mu_);

  bus::StreamConsumer* const stream_;
  const Applied applied_;

  mutable Mutex mu_;
  CondVar query_cv_{&mu_};     // a read arrived after the last query was sent, or Stop
  CondVar answered_cv_{&mu_};  // a query was answered, or Stop
  TimePoint latest_arrival_ GUARDED_BY(mu_) = TimePoint::min();
  TimePoint last_sent_ GUARDED_BY(mu_) = TimePoint::min();  // when the last query left
  TimePoint answered_sent_ GUARDED_BY(mu_) = TimePoint::min();  // the last answered's
  Status answered_status_ GUARDED_BY(mu_);  // its outcome
  uint64_t answered_end_ GUARDED_BY(mu_) = 0;  // and, if it succeeded, the stream's end
  uint64_t queries_ GUARDED_BY(mu_) = 0;
  int waiting_ GUARDED_BY(mu_) = 0;
  bool stopping_ GUARDED_BY(mu_) = false;

  std::thread thread_;  // last: started once the rest is set up
};

}  // namespace roseyd::service
