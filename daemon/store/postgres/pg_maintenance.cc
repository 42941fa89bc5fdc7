#include "store/postgres/pg_maintenance.h"

#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

constexpr int64_t kDay = 86400;

}  // namespace

// None of these is on the hot path, so none is kept prepared.
template <typename Work>
Status PgMaintenance::InTransaction(Work work) {
  const PgParams none;
  Status s = conn_->ExecParams("BEGIN", none, nullptr);
  if (s.ok()) s = work();
  if (s.ok()) s = conn_->ExecParams("COMMIT", none, nullptr);
  if (!s.ok() && conn_->connected() && !conn_->ExecParams("ROLLBACK", none, nullptr).ok()) {
    conn_->Drop();
  }
  return s;
}

Status PgMaintenance::CloseSessions(int64_t now) {
  return InTransaction([&] {
    params_.Clear();
    params_.Add(now);
    // As user_left: a clock gone back adds nothing rather than breaking
    // CHECK (total_time_connected >= 0).
    return conn_->ExecParams(
        "UPDATE user_stats SET total_time_connected = total_time_connected"
        " + GREATEST($1 - current_session_start, 0),"
        " current_session_start = NULL, last_seen = $1 WHERE current_session_start IS NOT NULL",
        params_, nullptr);
  });
}

Status PgMaintenance::PruneRecentChat(int64_t cutoff) {
  return InTransaction([&] {
    params_.Clear();
    params_.Add(cutoff);
    return conn_->ExecParams("DELETE FROM recent_chat WHERE \"timestamp\" < $1", params_,
                             nullptr);
  });
}

Status PgMaintenance::Run(int64_t now) {
  int64_t deleted = 0;
  const std::string key(kMetaLastMaintenance);
  const std::string now_text = std::to_string(now);
  Status s = InTransaction([&] {
    for (auto [sql, cutoff] : {
             std::pair{"DELETE FROM user_count_history WHERE \"timestamp\" < $1", now - 30 * kDay},
             std::pair{"DELETE FROM outbound_messages WHERE sent AND sent_timestamp < $1",
                       now - 7 * kDay},
             std::pair{"DELETE FROM api_tokens WHERE NOT is_active AND created_at < $1",
                       now - 90 * kDay}}) {
      params_.Clear();
      params_.Add(cutoff);
      PgResult result;
      if (Status r = conn_->ExecParams(sql, params_, &result); !r.ok()) return r;
      deleted += result.AffectedRows();
    }
    params_.Clear();
    params_.Add(key);
    params_.Add(now_text);
    return conn_->ExecParams(
        "INSERT INTO roseyd_meta (key, value) VALUES ($1, $2)"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        params_, nullptr);
  });
  if (!s.ok()) return s;
  // Autovacuum analyzes too, but only past its thresholds; this keeps the
  // plans of a quiet database as fresh as SQLite's ANALYZE keeps its file.
  const Status analyzed = conn_->Exec(
      "ANALYZE user_stats, user_actions, channel_stats, user_count_history, recent_chat,"
      " current_status, outbound_messages, api_tokens");
  spdlog::info("store: maintenance deleted {} old rows; ANALYZE {}", deleted,
               analyzed.ok() ? "done" : analyzed.ToString());
  return Status::OK();
}

std::optional<int64_t> PgMaintenance::LastRun() {
  const std::string key(kMetaLastMaintenance);
  params_.Clear();
  params_.Add(key);
  PgResult result;
  if (!conn_->ExecParams("SELECT value FROM roseyd_meta WHERE key = $1", params_, &result).ok() ||
      result.rows() == 0) {
    return std::nullopt;
  }
  return result.Int64(0, 0);
}

}  // namespace roseyd::store
