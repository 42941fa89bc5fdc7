#include "store/sqlite/sqlite_writer.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string_view>
#include <utility>
#include <variant>

#include "store/plugin_write.h"
#include "store/plugin_writes.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The connection checks, then the schema: each step fails at startup with the
// file's path and a reason a person can act on. Returns db.
Database* SetUp(Database* db, const StoreConfig& config) {
  db->SetUpForWriting(config.busy_timeout, config.synchronous);
  CreateOrUpgradeSchema(db, UnixNow());
  return db;
}

}  // namespace

SqliteWriter::SqliteWriter(const StoreConfig& config, const std::string& path,
                           const std::string& stream)
    : stream_key_(StreamSeqKey(stream)),
      lock_(path),
      db_(path, Database::Mode::kReadWriteCreate),
      transactions_(SetUp(&db_, config)),
      layout_(DetectLayout(&db_)),
      events_(&db_, layout_),
      chat_lines_(&db_),
      maintenance_(&db_, &transactions_, layout_),
      close_sessions_(&db_,
                      "UPDATE user_stats SET"
                      " total_time_connected = total_time_connected + (?1 - current_session_start),"
                      " current_session_start = NULL, last_seen = ?1"
                      " WHERE current_session_start IS NOT NULL",
                      false),
      set_meta_(&db_, "INSERT OR REPLACE INTO roseyd_meta (key, value) VALUES (?1, ?2)", false),
      get_meta_(&db_, "SELECT value FROM roseyd_meta WHERE key = ?1", false),
      session_(&db_) {
  stream_position_ = StoredStreamPosition();
}

uint64_t SqliteWriter::StoredStreamPosition() {
  Statement::Scope scope(&get_meta_);
  get_meta_.Bind(1, std::string_view(stream_key_));
  bool has_row = false;
  if (!get_meta_.Step(&has_row).ok() || !has_row) return 0;
  return static_cast<uint64_t>(get_meta_.ColumnInt64(0));
}

Status SqliteWriter::ApplyBatch(std::span<Event> batch, std::vector<RefusedEvent>* rejected) {
  skip_.assign(batch.size(), 0);
  for (const RefusedEvent& r : *rejected) skip_[r.index] = 1;
  bool bulk = true;
  for (bool restart = true; restart;) {
    restart = false;
    if (Status s = transactions_.Begin(); !s.ok()) return s;
    for (size_t i = 0; i < batch.size() && !restart; ++i) {
      if (skip_[i]) continue;
      if (const size_t run = bulk ? ChatRunAt(batch, i) : 0; run >= 2) {
        Status s = chat_lines_.Apply(batch.subspan(i, run));
        if (s.ok()) {
          i += run - 1;
          continue;
        }
        transactions_.Rollback();
        if (!IsDataError(s)) return s;
        bulk = false;
        restart = true;
        continue;
      }
      bool partial = false;
      Status s = ApplyOne(batch[i], &partial);
      if (s.ok()) continue;
      if (!IsDataError(s)) {
        transactions_.Rollback();
        return s;
      }
      skip_[i] = 1;
      rejected->push_back(RefusedEvent{i, std::move(s)});
      if (partial || !db_.InTransaction()) {
        transactions_.Rollback();
        restart = true;
      }
    }
  }
  // Where durable intake resumes, in the same transaction as the rows; a
  // rejected event counts as read, since it is never retried.
  uint64_t position = 0;
  for (const Event& event : batch) position = std::max(position, event.stream_seq);
  if (position != 0) {
    const std::string text = std::to_string(position);
    if (Status s = RunWith(&set_meta_, std::string_view(stream_key_), std::string_view(text));
        !s.ok()) {
      transactions_.Rollback();
      return s;
    }
  }
  if (Status s = transactions_.Commit(); !s.ok()) {
    transactions_.Rollback();
    return s;
  }
  if (position != 0) stream_position_ = position;
  return Status::OK();
}

Status SqliteWriter::ApplyOne(Event& event, bool* partial) {
  if (auto* plugin = std::get_if<std::shared_ptr<PluginWrite>>(&event.write)) {
    return ApplyPluginWrite(&session_, plugin->get(), event.unix_time);
  }
  return events_.Apply(event, partial);
}

size_t SqliteWriter::ChatRunAt(std::span<const Event> batch, size_t first) const {
  size_t end = first;
  while (end < batch.size() && !skip_[end] &&
         std::holds_alternative<ChatMessage>(batch[end].write)) {
    ++end;
  }
  return end - first;
}

Status SqliteWriter::CloseSessions(int64_t now) {
  Status closed = transactions_.Run([&] { return RunWith(&close_sessions_, now); });
  (void)db_.Exec("PRAGMA optimize");  // cheap, and the connection is about to close
  return closed;
}

Status SqliteWriter::PruneRecentChat(int64_t cutoff) {
  return maintenance_.PruneRecentChat(cutoff);
}

Status SqliteWriter::PurgeExpiredKeys(int64_t now, int64_t* purged) {
  return transactions_.Run([&] { return store::PurgeExpiredKeys(&session_, now, purged); });
}

Status SqliteWriter::Maintain(int64_t now) { return maintenance_.Run(now); }

std::optional<int64_t> SqliteWriter::LastMaintenance() { return maintenance_.LastRun(); }

}  // namespace roseyd::store
