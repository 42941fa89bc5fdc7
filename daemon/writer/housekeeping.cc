#include "writer/housekeeping.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include <spdlog/spdlog.h>

#include "writer/event_writer.h"

namespace roseyd::store {
namespace {

using std::chrono::seconds;

}  // namespace

Housekeeping::Housekeeping(StoreWriter* store, const StoreConfig& config, Clock* clock,
                           WriterLog* log, CommitListener* listener)
    : store_(store),
      clock_(clock),
      log_(log),
      listener_(listener),
      recent_chat_retention_hours_(config.recent_chat_retention_hours),
      retention_interval_(std::max<Duration>(config.retention_interval, seconds(1))),
      maintenance_interval_(std::max<Duration>(config.maintenance_interval, seconds(1))),
      kv_purge_interval_(std::max<Duration>(config.kv_purge_interval, seconds(1))),
      heartbeat_interval_(store->HeartbeatInterval()) {
  const auto now = clock_->Now();
  next_retention_ = now + retention_interval_;
  next_maintenance_ = now + MaintenanceDueIn();
  next_kv_purge_ = now + kv_purge_interval_;  // the original's first purge: one period in
  next_heartbeat_ = heartbeat_interval_.count() > 0 ? now + heartbeat_interval_
                                                    : Clock::TimePoint::max();
}

// Never right at startup, where it would delay the first commit.
Housekeeping::Duration Housekeeping::MaintenanceDueIn() {
  const std::optional<int64_t> last = store_->LastMaintenance();
  if (!last) return maintenance_interval_;
  const auto due_in = seconds(*last - clock_->UnixNow()) + maintenance_interval_;
  const auto grace = std::min<Duration>(maintenance_interval_, seconds(60));
  return std::clamp<Duration>(due_in, grace, maintenance_interval_);
}

Clock::TimePoint Housekeeping::NextDue() const {
  return std::min({next_retention_, next_maintenance_, next_kv_purge_, next_heartbeat_});
}

void Housekeeping::RunDue() {
  Heartbeat();
  const auto now = clock_->Now();
  if (now >= next_retention_) {
    next_retention_ = now + retention_interval_;
    const int64_t cutoff = clock_->UnixNow() - int64_t{recent_chat_retention_hours_} * 3600;
    log_->Begin("pruning recent_chat", 0);
    const Status s = store_->PruneRecentChat(cutoff);
    log_->End();
    if (!s.ok()) ReportFailure("pruning recent_chat", s, retention_interval_);
  }
  if (now >= next_maintenance_) {
    next_maintenance_ = now + maintenance_interval_;
    log_->Begin("maintaining the database", 0);
    const Status s = store_->Maintain(clock_->UnixNow());
    log_->End();
    if (!s.ok()) ReportFailure("maintenance", s, maintenance_interval_);
  }
  if (now >= next_kv_purge_) {
    next_kv_purge_ = now + kv_purge_interval_;
    int64_t purged = 0;
    log_->Begin("purging expired plugin keys", 0);
    const Status s = store_->PurgeExpiredKeys(clock_->UnixNow(), &purged);
    log_->End();
    if (!s.ok()) {
      ReportFailure("purging expired plugin keys", s, kv_purge_interval_);
    } else if (purged > 0) {
      spdlog::debug("store: purged {} expired plugin keys", purged);
    }
  }
}

void Housekeeping::Heartbeat() {
  const auto now = clock_->Now();
  if (now < next_heartbeat_) return;
  next_heartbeat_ = now + heartbeat_interval_;
  if (const Status s = store_->Heartbeat(); !s.ok()) {
    spdlog::debug("store: heartbeat failed: {}", s.ToString());  // the store logs a loss
  }
}

void Housekeeping::ReportFailure(const char* what, const Status& s, Duration next) {
  WriterLog::PeriodicFailed(what, s, next);
  listener_->OnWriteError(s);
}

}  // namespace roseyd::store
