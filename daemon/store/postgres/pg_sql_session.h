#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/postgres/pg_connection.h"
#include "store/sql_session.h"

namespace roseyd::store {

// The SqlSession on one PostgreSQL connection (the writer's or a reader's),
// so that the plugin storage API's shared code (plugin_writes.h,
// plugin_reads.h, migration_runner.h) runs on PostgreSQL. Statements are
// sent with their parameters in one round trip each (the extended protocol,
// unnamed: PostgreSQL plans them per call; a cache of named statements would
// have to follow the connection's reconnects).
//
// Parameters go as text: integers and text with their type inferred from
// the statement (so that 1 fits a BOOLEAN or a FLOAT column as it did
// SQLite's), reals as float8 (so that 3.5 compares with an integer column
// instead of failing to parse as one). Cells come back as SQLite would have
// stored them: integer types and booleans as integers, float types and
// numeric as reals (numeric without a fraction as an integer), the rest as
// text; bytea is refused as a BLOB.
//
// Errors: SQLSTATE classes 08 and 57 (connection), 40 (rollback), 53
// (resources), 58 (system) and XX (internal) keep PgConnection's code; every
// other error result is the statement's own and is InvalidArgument. A text
// holding a NUL is refused before sending (libpq's text ends at a NUL).
//
// Thread: confined to the thread of *conn, which must outlive it.
// REQUIRES: *conn is not in pipeline mode during a call.
class PgSqlSession : public SqlSession {
 public:
  explicit PgSqlSession(PgConnection* conn) : conn_(conn) {}

  PgSqlSession(const PgSqlSession&) = delete;
  PgSqlSession& operator=(const PgSqlSession&) = delete;

  storage_api::Dialect dialect() const override { return storage_api::Dialect::kPostgres; }
  Status Run(const storage_api::Statement& statement, std::vector<SqlRow>* rows,
             int64_t* changes = nullptr) override;
  Status RunOnce(std::string_view sql) override;
  Status Savepoint(std::string_view name) override;
  Status ReleaseSavepoint(std::string_view name) override;
  Status RollbackToSavepoint(std::string_view name) override;
  bool InTransaction() const override { return conn_->InTransaction(); }

 private:
  // `s` from a failed call on conn_, classified as above; `sql`, when given,
  // is appended in SQLAlchemy's shape ("<error> [SQL: <text>]").
  Status Classify(Status s, std::string_view sql = {}) const;
  Status Simple(std::string_view verb, std::string_view name);

  PgConnection* const conn_;
  // Reused by Run: the parameters' text and types.
  std::vector<std::string> texts_;
  std::vector<const char*> values_;
  std::vector<uint32_t> types_;
};

}  // namespace roseyd::store
