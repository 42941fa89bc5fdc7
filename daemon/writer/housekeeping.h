#pragma once

#include <chrono>

#include "config/config.h"
#include "store/clock.h"
#include "store/store.h"
#include "writer/writer_log.h"

namespace roseyd::store {

class CommitListener;  // writer/event_writer.h

// The EventWriter's work between batches, each on its own period and in its
// own short transaction: recent chat retention, maintenance (its last run
// kept in the database, so that a daemon restarted more often than the
// interval still maintains it), the purge of expired plugin keys, and a
// shared store's heartbeat (StoreWriter::Heartbeat). Housekeeping holds no
// event: a failure is logged, told to the listener, and tried again at its
// next period.
//
// Thread: the writer thread (constructed before it starts). *store, *clock,
// *log and *listener must outlive it.
class Housekeeping {
 public:
  Housekeeping(StoreWriter* store, const StoreConfig& config, Clock* clock, WriterLog* log,
               CommitListener* listener);

  Housekeeping(const Housekeeping&) = delete;
  Housekeeping& operator=(const Housekeeping&) = delete;

  // Runs whatever is due now, the heartbeat first.
  void RunDue();
  // The heartbeat alone, if due.
  void Heartbeat();
  // When the next piece is due; the steady clock's maximum if none is.
  Clock::TimePoint NextDue() const;
  Clock::TimePoint next_heartbeat() const { return next_heartbeat_; }

 private:
  using Duration = std::chrono::steady_clock::duration;

  Duration MaintenanceDueIn();
  void ReportFailure(const char* what, const Status& s, Duration next);

  StoreWriter* const store_;
  Clock* const clock_;
  WriterLog* const log_;
  CommitListener* const listener_;
  const int recent_chat_retention_hours_;
  const Duration retention_interval_;
  const Duration maintenance_interval_;
  const Duration kv_purge_interval_;
  const Duration heartbeat_interval_;  // zero: the store needs none

  Clock::TimePoint next_retention_;
  Clock::TimePoint next_maintenance_;
  Clock::TimePoint next_kv_purge_;
  Clock::TimePoint next_heartbeat_;
};

}  // namespace roseyd::store
