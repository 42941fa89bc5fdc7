#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage_api/row_search.h"
#include "storage_api/sql.h"

namespace roseyd::store {

// One result row: the cells in the statement's column order.
using SqlRow = storage_api::RowCells;

// The seam between the plugin storage API's execution, which is the same
// for every database (plugin_reads.h, plugin_writes.h, migration_runner.h),
// and one database connection: it runs the storage_api::Statements the
// decoders compiled for its dialect, binding their parameters.
// SqliteSession is the SQLite one; a PostgreSQL store adds its own and
// reuses the rest.
//
// Errors: InvalidArgument when the statement itself cannot succeed (a
// constraint, a table or column that does not exist, a syntax error in a
// migration): retrying it is pointless. Any other code is the database
// failing (busy, I/O, disk full), which the writer answers by retrying its
// whole batch.
//
// Thread: confined to the thread that owns the connection.
class SqlSession {
 public:
  virtual ~SqlSession() = default;

  // The dialect the statements must be compiled for.
  virtual storage_api::Dialect dialect() const = 0;

  // Runs `statement` (kept prepared for its next use) and appends its rows
  // to *rows when non-null; *changes, when non-null, gets how many rows an
  // INSERT, UPDATE or DELETE changed. A BLOB cell is an InvalidArgument:
  // the API never writes one.
  virtual Status Run(const storage_api::Statement& statement, std::vector<SqlRow>* rows,
                     int64_t* changes = nullptr) = 0;

  // Runs SQL text without parameters that is not worth keeping prepared
  // (DDL, a migration's statements), rows ignored.
  virtual Status RunOnce(std::string_view sql) = 0;

  // SAVEPOINT `name`; ReleaseSavepoint keeps what was done since,
  // RollbackToSavepoint undoes it, both ending the savepoint. Names are the
  // caller's constants, never request text.
  virtual Status Savepoint(std::string_view name) = 0;
  virtual Status ReleaseSavepoint(std::string_view name) = 0;
  virtual Status RollbackToSavepoint(std::string_view name) = 0;

  // Whether a transaction is open: a failed statement may have ended it.
  virtual bool InTransaction() const = 0;
};

}  // namespace roseyd::store
