#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "base/status.h"
#include "config/config.h"
#include "store/clock.h"
#include "store/event.h"
#include "store/event_sink.h"
#include "store/store.h"
#include "writer/writer_log.h"

namespace roseyd::store {

// Told about every committed batch, on the writer thread, right after COMMIT.
// Implementations must be quick and must not call back into the EventWriter.
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  // `batch` holds the events whose rows the transaction made durable, in order.
  virtual void OnCommitted(std::span<const Event> batch,
                           std::chrono::nanoseconds commit_duration) noexcept = 0;
  // An event the store refused (its row could not be written); it is not retried.
  virtual void OnRejected(const Event& event, const Status& why) noexcept = 0;
  // A write transaction failed: a batch as a whole (I/O, disk full, busy;
  // retried unless the writer lost its claim or gave up at a stop), or
  // periodic work (tried again at its next period). The EventWriter logs
  // it; listeners count it.
  virtual void OnWriteError(const Status& why) noexcept = 0;
};

// The thread that applies Events to a store in group commits: a transaction
// takes whatever is queued, up to batch_max_events, waiting at most
// batch_max_delay after its first event for more, and commits as soon as the
// queue is empty. Between batches it prunes recent chat every
// retention_interval, maintains the store every maintenance_interval and
// purges expired plugin keys every kv_purge_interval.
//
// A failed batch is retried with back-off: the writer never drops an event
// for a transient error (disk full, I/O, busy). Commits that stall while
// events wait (a database that does not answer, a lock held elsewhere) are
// logged once past kStallWarning (CheckStall), and once more when they flow. An event whose own row cannot
// be written is reported to OnRejected and skipped. A stop gives the writer
// store.stop_timeout to commit what it holds; what it could not commit by
// then goes to a pending-events file (KeepPendingIn), committed first at the
// next start.
//
// Thread: Submit, WaitCommitted and the accessors are thread-safe; the
// StoreWriter is confined to the writer thread. *listener must outlive
// Stop(); *clock must outlive the EventWriter.
class EventWriter : public EventSink {
 public:
  // Writes through `store` (see OpenSqliteEventWriter for a SQLite file).
  // `clock` keeps the periods and stamps Event::unix_time when unset; a null
  // listener hears nothing.
  EventWriter(std::unique_ptr<StoreWriter> store, const StoreConfig& config,
              CommitListener* listener, Clock* clock = RealClock());
  ~EventWriter() override;  // Stop()s if still running.

  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // Keeps at `path` (see pending_events.h) what Stop() cannot commit in
  // time, and queues first what an earlier writer kept there, so that it
  // commits before anything submitted later; the file is removed once those
  // events have committed. Returns how many events it queued. Throws
  // StartupError, leaving the file alone, when it cannot be read. Without
  // this call, what a stop cannot commit is lost (and logged).
  // REQUIRES: before Start() and the first Submit().
  size_t KeepPendingIn(const std::string& path);

  // Starts the writer thread. REQUIRES: called once.
  void Start();

  // EventSink. Submit blocks while the queue is at capacity and returns
  // Unavailable once Stop() has begun. StreamPosition starts at the
  // store's. WaitCommitted asks the writer not to linger for a fuller
  // batch, WaitCommittedInBatch does not; their deadlines are on
  // std::chrono::steady_clock, the caller's clock, not the injected one.
  Status Submit(Event event, uint64_t* seq = nullptr) override;
  uint64_t LastSubmitted() const override;
  bool TakesWrites() const override {
    return Claim().HeldAt(std::chrono::steady_clock::now());
  }
  uint64_t LastCommitted() const override;
  uint64_t StreamPosition() const override;
  Status WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline) override;
  Status WaitCommittedInBatch(uint64_t seq,
                              std::chrono::steady_clock::time_point deadline) override;
  size_t QueueDepth() const override;

  // Begins a stop: from now on Submit never blocks at capacity (intake can
  // hand over everything it already received), and Stop() gives the writer
  // until now + store.stop_timeout. Idempotent.
  void BeginStop();
  // When Stop() gives up waiting for commits (after BeginStop()); the
  // steady clock's maximum before.
  std::chrono::steady_clock::time_point StopDeadline() const;

  // BeginStop() if not yet, then stops intake and commits what is queued
  // until the stop deadline. Past it, the store is interrupted and whatever
  // is still uncommitted (the database locked by another program, a dead
  // disk) goes to the pending-events file, except events from a stream,
  // which stay unacknowledged in it. Then closes every open user session (as
  // user_left would) and joins the thread. Idempotent.
  void Stop();
  // The store writer's claim on a shared store (StoreWriter::Claim): once
  // lost, nothing will commit any more, and the owner should stop this
  // writer; while not held, write requests should be refused at once.
  ClaimView Claim() const;

  // Logs a warning, once per stall, when the writer has been inside one
  // batch (or one piece of periodic work) for kStallWarning or more while
  // events wait; the writer thread logs when commits flow again. A writer
  // stuck in a call to the database cannot log itself, so its owner calls
  // this periodically (every second) from another thread. Thread-safe.
  // Returns true if it logged now.
  bool CheckStall();
  static constexpr std::chrono::seconds kStallWarning = WriterLog::kWarnAfter;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roseyd::store
