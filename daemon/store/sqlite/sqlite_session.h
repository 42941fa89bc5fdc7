#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "store/sql_session.h"
#include "store/sqlite/database.h"

namespace roseyd::store {

// The SqlSession on one SQLite connection (the writer's or a reader's).
// Statements are prepared once and kept, most recently used first, up to
// `capacity`: kv.set at 50,000/s binds and steps a statement it already has.
// Statements longer than a few KB (a search with many values) are prepared
// for one use only, so a hostile filter cannot crowd the cache with text.
//
// SQLite's generic SQLITE_ERROR ("no such table", a syntax error) is
// reported as InvalidArgument: only the statement is wrong.
//
// Thread: confined to its Database's thread. *db must outlive it.
class SqliteSession : public SqlSession {
 public:
  static constexpr size_t kDefaultCapacity = 128;
  static constexpr size_t kMaxCachedSqlBytes = 4096;

  explicit SqliteSession(Database* db, size_t capacity = kDefaultCapacity);
  ~SqliteSession() override;

  SqliteSession(const SqliteSession&) = delete;
  SqliteSession& operator=(const SqliteSession&) = delete;

  storage_api::Dialect dialect() const override { return storage_api::Dialect::kSqlite; }
  Status Run(const storage_api::Statement& statement, std::vector<SqlRow>* rows,
             int64_t* changes = nullptr) override;
  Status RunOnce(std::string_view sql) override;
  Status Savepoint(std::string_view name) override;
  Status ReleaseSavepoint(std::string_view name) override;
  Status RollbackToSavepoint(std::string_view name) override;
  bool InTransaction() const override { return db_->InTransaction(); }

  size_t cached() const { return cache_.size(); }

 private:
  struct Entry {
    Statement stmt;
    std::list<const std::string*>::iterator use;  // its place in uses_
  };

  // SAVEPOINT, RELEASE and ROLLBACK TO of one name, prepared once: every
  // plugin write takes a savepoint, so they are not looked up by text.
  struct Savepoints {
    std::string name;
    Statement begin, release, rollback;
  };

  // The cached statement for `sql`, prepared now if needed; nullptr and
  // *error on failure.
  Statement* Prepared(const std::string& sql, Status* error);
  // The savepoint statements of `name`, prepared now if needed; nullptr and
  // *error on failure.
  Savepoints* SavepointsOf(std::string_view name, Status* error);
  Status Execute(Statement* stmt, const storage_api::Statement& statement,
                 std::vector<SqlRow>* rows, int64_t* changes);
  // The Status for a failed call, with SQLITE_ERROR as InvalidArgument.
  Status Classify(Status s) const;
  // The Status for result code `rc` of running `sql` once.
  Status Failure(int rc, std::string_view sql) const;

  Database* const db_;
  const size_t capacity_;
  std::unordered_map<std::string, Entry> cache_;
  std::list<const std::string*> uses_;  // keys of cache_, most recently used first
  std::vector<std::unique_ptr<Savepoints>> savepoints_;  // a few names
};

}  // namespace roseyd::store
