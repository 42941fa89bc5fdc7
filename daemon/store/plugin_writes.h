#pragma once

#include <cstdint>

#include "base/status.h"
#include "store/plugin_write.h"
#include "store/sql_session.h"

namespace roseyd::store {

// The plugin storage API's writes, on any SqlSession, inside the writer's
// open batch transaction: what the StoreWriter of every store runs for a
// PluginWrite event (SqliteWriter's today).
//
// Each write is all-or-nothing on its own, under a savepoint: one that fails
// (a constraint, a table a migration dropped) is rolled back to it and its
// outcome says why, while the events and other writes of the batch commit.
// A migration runs under savepoints of its own (migration_runner.h).

// Applies *write at `now` (Unix seconds, the write's arrival), first
// clearing write->outcome. Returns:
//  - OK once the outcome says what happened, done or failed and undone;
//  - InvalidArgument when the failure ended the whole transaction (SQLite
//    does so for a few conflict clauses): the caller restarts the batch
//    without this write, whose outcome stays the failure;
//  - any other code when the database failed (busy, I/O, full): the caller
//    rolls back and retries the batch, which applies the write again.
Status ApplyPluginWrite(SqlSession* session, PluginWrite* write, int64_t now);

// Deletes every key that expired before `now`; *purged gets how many.
// REQUIRES: inside a transaction.
Status PurgeExpiredKeys(SqlSession* session, int64_t now, int64_t* purged);

// Runs `work` (returning Status) under savepoint `name`: released when it
// succeeds; rolled back when it fails with InvalidArgument, which is then
// returned (unless the failure ended the transaction, savepoint and all:
// check InTransaction()). Any other failure is returned as is, the
// savepoint left to the caller's rollback of the whole transaction.
template <typename Work>
Status InSavepoint(SqlSession* session, const char* name, Work work) {
  if (Status s = session->Savepoint(name); !s.ok()) return s;
  Status s = work();
  if (s.ok()) return session->ReleaseSavepoint(name);
  if (s.code() != Status::Code::kInvalidArgument || !session->InTransaction()) return s;
  if (Status r = session->RollbackToSavepoint(name); !r.ok()) return r;
  return s;
}

}  // namespace roseyd::store
