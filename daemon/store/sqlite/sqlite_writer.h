#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "store/event.h"
#include "store/sqlite/chat_lines.h"
#include "store/sqlite/database.h"
#include "store/sqlite/event_statements.h"
#include "store/sqlite/maintenance.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_session.h"
#include "store/sqlite/transactions.h"
#include "store/sqlite/writer_lock.h"
#include "store/store.h"

namespace roseyd::store {

// The StoreWriter on a SQLite file: the write connection (WAL, the configured
// synchronous level), a batch in one BEGIN IMMEDIATE transaction, runs of
// message.log lines in bulk (ChatLineWriter), every other event through its
// own statements (EventStatements), plugin-storage writes through the shared
// PluginWrites on a SqliteSession, and the stream position in roseyd_meta.
//
// A data error (constraint, too big, type mismatch) rejects only its event.
// If that event had already changed a row, or SQLite ended the transaction,
// the batch restarts without it, so that each event stays all-or-nothing; a
// bulk run that fails on its data restarts the batch event by event to find
// the bad line.
//
// Thread: confined to the writer thread (see StoreWriter).
class SqliteWriter : public StoreWriter {
 public:
  // Opens (creating if needed) the database at `path`, refusing a read-only,
  // unreadable, foreign or corrupt file; creates the schema or upgrades a
  // file made by the original Python service in place. `stream` names the
  // JetStream stream whose position the file keeps (each stream has its own).
  // Throws StartupError naming the path and the reason.
  SqliteWriter(const StoreConfig& config, const std::string& path, const std::string& stream);

  SqliteWriter(const SqliteWriter&) = delete;
  SqliteWriter& operator=(const SqliteWriter&) = delete;

  Status ApplyBatch(std::span<Event> batch, std::vector<RefusedEvent>* rejected) override;
  uint64_t StreamPosition() const override { return stream_position_; }
  // Also runs PRAGMA optimize, which helps the next start's query plans.
  Status CloseSessions(int64_t now) override;
  Status PruneRecentChat(int64_t cutoff) override;
  Status PurgeExpiredKeys(int64_t now, int64_t* purged) override;
  Status Maintain(int64_t now) override;
  std::optional<int64_t> LastMaintenance() override;
  void Interrupt() override { db_.Interrupt(); }

 private:
  // How many events from batch[first] on are message.log lines not skipped,
  // in a row.
  size_t ChatRunAt(std::span<const Event> batch, size_t first) const;
  uint64_t StoredStreamPosition();
  // One event of the batch, classic or plugin write; *partial as
  // EventStatements::Apply.
  Status ApplyOne(Event& event, bool* partial);

  // Constant after construction.
  const std::string stream_key_;  // roseyd_meta key of the stream's position

  // Taken before the file is opened, released after it is closed.
  WriterLock lock_;
  // Statements die before the connection.
  Database db_;
  Transactions transactions_;
  const SchemaLayout layout_;
  EventStatements events_;
  ChatLineWriter chat_lines_;
  Maintenance maintenance_;
  Statement close_sessions_;
  Statement set_meta_;
  Statement get_meta_;
  SqliteSession session_;  // plugin storage
  uint64_t stream_position_ = 0;
  std::vector<char> skip_;  // parallel to the batch in ApplyBatch: rejected
};

}  // namespace roseyd::store
