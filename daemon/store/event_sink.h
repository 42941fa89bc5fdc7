#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "store/event.h"

namespace roseyd::store {

// Where intake hands decoded events, and how it learns what has committed:
// the EventWriter in roseyd, a fake in the intake's unit tests. Sequence
// numbers are assigned by Submit, strictly increasing, and commit in order.
//
// Thread: implementations are thread-safe.
class EventSink {
 public:
  virtual ~EventSink() = default;

  // Queues `event`, assigning it the next sequence number (also returned
  // through *seq when non-null). May block while the sink is full. Returns
  // Unavailable once the sink is stopping.
  virtual Status Submit(Event event, uint64_t* seq = nullptr) = 0;

  // Highest sequence number handed out so far (0 before the first Submit).
  virtual uint64_t LastSubmitted() const = 0;
  // Highest sequence number whose transaction has committed (or was rejected).
  virtual uint64_t LastCommitted() const = 0;
  // The stream position: the highest Event::stream_seq committed (or
  // rejected), where durable intake resumes; 0 if no stream event was ever
  // written. One name for it everywhere (StoreWriter::StreamPosition,
  // PositionReader::StreamPosition, roseyd_stream_applied_seq).
  virtual uint64_t StreamPosition() const = 0;

  // Blocks until every event up to `seq` is committed. Returns Unavailable on
  // `deadline` or if the sink stopped first.
  virtual Status WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline) = 0;
  // As WaitCommitted, for a waiter that need not hurry the sink (durable
  // intake's acknowledgements): a batching sink keeps gathering its batch.
  virtual Status WaitCommittedInBatch(uint64_t seq,
                                      std::chrono::steady_clock::time_point deadline) {
    return WaitCommitted(seq, deadline);
  }

  // Whether a write request may be queued now: false on a roseyd that does
  // not hold the store's claim, or cannot prove it holds it; the request is
  // then answered at once rather than left to time out.
  virtual bool TakesWrites() const { return true; }

  // Events waiting to be written.
  virtual size_t QueueDepth() const = 0;

  // From any thread, for a stop past its deadline: a WaitCommitted stuck in
  // something it cannot time out itself (a query to a server that does not
  // answer) returns soon, as does every later one. Nothing for a sink whose
  // waits end by their deadline anyway.
  virtual void InterruptWaits() noexcept {}
};

}  // namespace roseyd::store
