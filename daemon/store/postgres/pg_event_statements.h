#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "store/event.h"
#include "store/postgres/pg_connection.h"

namespace roseyd::store {

// True if PostgreSQL could never store `event`: one of its texts holds a NUL
// character, which a PostgreSQL text cannot (and libpq would cut it there).
bool HoldsNul(const Event& event);

// The SQL of each event type on PostgreSQL, on Rosey's tables, prepared once
// per connection. Queue() adds an event's commands to the connection's
// pipeline; PostgresWriter decides batches, transactions and what a failure
// means. The rows come out as EventStatements leaves them in SQLite, with
// PostgreSQL's types: sent is BOOLEAN, the retry error goes to error_message
// (Rosey's name for it), status values are converted by PostgreSQL from
// their text to each column's type (a boolean from 1 or 0, say).
//
// Thread: confined to the writer thread. *conn must outlive it.
class PgEventStatements {
 public:
  explicit PgEventStatements(PgConnection* conn) : conn_(conn) {}

  PgEventStatements(const PgEventStatements&) = delete;
  PgEventStatements& operator=(const PgEventStatements&) = delete;

  // Prepares the statements on the connection, as it is now (call again
  // after reconnecting).
  Status Prepare();

  // Queues `event`'s commands, with Event::unix_time as "now"; *commands is
  // how many results they will give (0 for nothing to do). InvalidArgument,
  // queueing nothing, for a status column that is not whitelisted.
  // REQUIRES: in pipeline mode, inside the batch's transaction.
  Status Queue(const Event& event, int* commands);

  // Whether Queue() sends `write` in the pipeline (kv.set: one statement,
  // nothing read back): others need the PgSqlSession.
  static bool Pipelines(const PluginWrite& write);

 private:
  Status Queue(const UserJoined& w, int64_t now, int* commands);
  Status Queue(const UserLeft& w, int64_t now, int* commands);
  Status Queue(const ChatMessage& w, int64_t now, int* commands);
  Status Queue(const UserCount& w, int64_t now, int* commands);
  Status Queue(const HighWater& w, int64_t now, int* commands);
  Status Queue(const StatusUpdate& w, int64_t now, int* commands);
  Status Queue(const MarkSent& w, int64_t now, int* commands);
  Status Queue(const MarkFailed& w, int64_t now, int* commands);
  Status Queue(const UserAction& w, int64_t now, int* commands);
  Status Queue(const LogChat& w, int64_t now, int* commands);
  // kv.set (Pipelines()): its upsert, the outcome cleared. Any other plugin
  // write queues nothing and says so in its outcome: PostgresWriter applies
  // those through its PgSqlSession, outside the pipeline.
  Status Queue(const std::shared_ptr<PluginWrite>& w, int64_t now, int* commands);
  Status Send(const char* name, int* commands);

  PgConnection* const conn_;
  PgParams params_;
  // A status update's UPDATE by column bit set. Sent as text, not
  // prepared: one arrives every 10 s.
  std::map<uint32_t, std::string> status_sql_;
};

}  // namespace roseyd::store
