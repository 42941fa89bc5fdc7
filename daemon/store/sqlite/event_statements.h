#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "base/status.h"
#include "store/event.h"
#include "store/sqlite/database.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {

// The SQL of each event type, one Apply per Write alternative, on statements
// prepared once. Knows nothing of batches or transactions: SqliteWriter
// decides those.
//
// Thread: confined to the writer thread, like its Database. *db must outlive it.
class EventStatements {
 public:
  // Prepares the statements for the file's `layout`; throws StartupError.
  // REQUIRES: the schema exists.
  EventStatements(Database* db, const SchemaLayout& layout);

  EventStatements(const EventStatements&) = delete;
  EventStatements& operator=(const EventStatements&) = delete;

  // Writes `event`'s rows, with Event::unix_time as "now". A data error
  // (IsDataError) means the event can never be written; *partial is then set
  // if it had already changed a row, which only a rollback undoes.
  // REQUIRES: inside a transaction.
  Status Apply(const Event& event, bool* partial);

 private:
  Status Apply(const UserJoined& w, int64_t now, bool* partial);
  Status Apply(const UserLeft& w, int64_t now, bool* partial);
  Status Apply(const ChatMessage& w, int64_t now, bool* partial);
  Status Apply(const UserCount& w, int64_t now, bool* partial);
  Status Apply(const HighWater& w, int64_t now, bool* partial);
  Status Apply(const StatusUpdate& w, int64_t now, bool* partial);
  Status Apply(const MarkSent& w, int64_t now, bool* partial);
  Status Apply(const MarkFailed& w, int64_t now, bool* partial);
  Status Apply(const UserAction& w, int64_t now, bool* partial);
  Status Apply(const LogChat& w, int64_t now, bool* partial);
  // Not an event's: SqliteWriter hands plugin writes to ApplyPluginWrite.
  Status Apply(const std::shared_ptr<PluginWrite>& w, int64_t now, bool* partial);
  // The cached UPDATE for this set of columns; nullptr and *error on failure.
  Statement* StatusStatement(uint32_t columns, Status* error);

  Database* const db_;
  Statement user_joined_, user_left_, chat_stats_, chat_insert_, user_count_;
  Statement high_water_users_, high_water_connected_;
  Statement mark_sent_, mark_failed_permanent_, mark_failed_transient_, user_action_;
  std::map<uint32_t, Statement> status_stmts_;  // by column bit set
};

}  // namespace roseyd::store
