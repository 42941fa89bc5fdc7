#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "base/mutex.h"
#include "base/status.h"
#include "store/clock.h"
#include "store/event.h"

namespace roseyd::store {

// The bounded hand-off from producer threads (NATS callbacks, store API
// callers) to the one writer thread. Push assigns sequence numbers under the
// queue's lock, so sequence order is queue order.
//
// Thread: thread-safe. Any number of producers; exactly one consumer (the
// writer) calls the Wait*/Pop functions. *clock must outlive the queue.
class EventQueue {
 public:
  // `capacity` is in events; values below 1 count as 1. The Wait*
  // deadlines are on `clock`.
  explicit EventQueue(int64_t capacity, Clock* clock = RealClock());

  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Appends `event` with the next sequence number (also stored in *seq when
  // non-null). Blocks while the queue is full (until Unbound()). Returns
  // Unavailable once Close() has been called, including for a Push blocked
  // at that moment.
  Status Push(Event event, uint64_t* seq);
  // How many Push calls are waiting for room now (an observation, for tests
  // and diagnostics).
  size_t BlockedProducers() const;

  // As Push, but never blocks for room: for events accepted once already
  // (those a stop kept for the next start), which go in whatever the bound.
  Status PushPastCapacity(Event event, uint64_t* seq);

  // From now on Push never blocks: the queue takes whatever producers still
  // hand over (at a stop, everything intake already received), and blocked
  // producers go through. Idempotent.
  void Unbound();

  // Consumer: waits until an event is queued, the queue is closed, or
  // `deadline`. Returns true if an event is queued.
  bool WaitForEvent(Clock::TimePoint deadline);

  // Consumer: waits until `want` events are queued, the queue is closed,
  // `deadline` passes, or someone waits for an event already pushed
  // (RequestUrgent). Returns true if an event is queued. Producers wake the
  // consumer only when `want` is reached, not on every Push.
  bool WaitForMore(size_t want, Clock::TimePoint deadline);

  // Consumer: moves up to `max` events, oldest first, onto the end of *out.
  // Returns how many moved. Wakes producers blocked on a full queue.
  size_t PopInto(size_t max, std::vector<Event>* out);

  // Consumer: sleeps until Close() or `deadline`. Returns true if closed.
  bool WaitForClose(Clock::TimePoint deadline);

  // Someone is blocked until `seq` commits: once `seq` is pushed, the writer
  // should not linger for a fuller batch.
  void RequestUrgent(uint64_t seq);
  // True if a waiter needs an event that has been pushed.
  bool IsUrgent() const;
  // Consumer: forgets urgent requests satisfied by committing `committed`.
  void ClearUrgent(uint64_t committed);

  // Refuses further Pushes and wakes every waiter. Idempotent.
  void Close();
  bool closed() const;

  size_t Depth() const;
  uint64_t LastAssigned() const;  // 0 before the first Push

 private:
  bool UrgentLocked() const REQUIRES(mu_) { return urgent_seq_ != 0 && urgent_seq_ <= last_seq_; }
  Status PushLocked(Event event, uint64_t* seq) REQUIRES(mu_);

  // Constant after construction.
  const size_t capacity_;
  Clock* const clock_;

  mutable Mutex mu_;
  CondVar not_empty_;  // consumer waits here: events, close, urgent
  CondVar not_full_;   // producers wait here
  std::deque<Event> events_ GUARDED_BY(mu_);
  uint64_t last_seq_ GUARDED_BY(mu_) = 0;
  uint64_t urgent_seq_ GUARDED_BY(mu_) = 0;  // highest seq a waiter wants; 0: none
  // Queue depth at which Push wakes the waiting consumer; 0: it is not waiting.
  size_t wake_at_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;
  size_t blocked_producers_ GUARDED_BY(mu_) = 0;  // inside Push's wait for room
  bool unbounded_ GUARDED_BY(mu_) = false;
};

}  // namespace roseyd::store
