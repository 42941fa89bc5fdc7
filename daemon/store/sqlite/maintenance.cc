#include "store/sqlite/maintenance.h"

#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

constexpr int64_t kDay = 86400;

}  // namespace

// None of these is on the hot path, so none is kept prepared in SQLite's
// persistent cache.
Maintenance::Maintenance(Database* db, Transactions* transactions, const SchemaLayout& layout)
    : db_(db),
      transactions_(transactions),
      prune_chat_(db, "DELETE FROM recent_chat WHERE timestamp < ?1", false),
      prune_history_(db, "DELETE FROM user_count_history WHERE timestamp < ?1", false),
      prune_sent_(db, "DELETE FROM outbound_messages WHERE sent = 1 AND sent_timestamp < ?1",
                  false),
      // Rosey's newest models mark a revoked token is_active = 0.
      prune_tokens_(db,
                    layout.tokens_is_active
                        ? "DELETE FROM api_tokens WHERE is_active = 0 AND created_at < ?1"
                        : "DELETE FROM api_tokens WHERE revoked = 1 AND created_at < ?1",
                    false),
      set_last_run_(db, "INSERT OR REPLACE INTO roseyd_meta (key, value) VALUES (?1, ?2)", false),
      last_run_(db, "SELECT value FROM roseyd_meta WHERE key = ?1", false) {}

Status Maintenance::PruneRecentChat(int64_t cutoff) {
  return transactions_->Run([&] { return RunWith(&prune_chat_, cutoff); });
}

Status Maintenance::Run(int64_t now) {
  const std::string now_text = std::to_string(now);
  int64_t deleted = 0;
  Status s = transactions_->Run([&] {
    for (auto [stmt, cutoff] :
         {std::pair{&prune_history_, now - 30 * kDay}, std::pair{&prune_sent_, now - 7 * kDay},
          std::pair{&prune_tokens_, now - 90 * kDay}}) {
      if (Status r = RunWith(stmt, cutoff); !r.ok()) return r;
      deleted += db_->Changes();
    }
    return RunWith(&set_last_run_, kMetaLastMaintenance, now_text);
  });
  if (!s.ok()) return s;
  // analysis_limit bounds how long ANALYZE holds the write lock on a big file.
  const Status analyzed = db_->Exec("PRAGMA analysis_limit=1000; ANALYZE");
  spdlog::info("store: maintenance deleted {} old rows; ANALYZE {}", deleted,
               analyzed.ok() ? "done" : analyzed.ToString());
  return Status::OK();
}

std::optional<int64_t> Maintenance::LastRun() {
  Statement::Scope scope(&last_run_);
  last_run_.Bind(1, kMetaLastMaintenance);
  bool has_row = false;
  if (!last_run_.Step(&has_row).ok() || !has_row) return std::nullopt;
  return last_run_.ColumnInt64(0);
}

}  // namespace roseyd::store
