#include "store/sqlite/sqlite_session.h"

#include <sqlite3.h>

#include <memory>
#include <utility>

namespace roseyd::store {

namespace {

struct Finalizer {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};

std::string SavepointSql(std::string_view verb, std::string_view name) {
  return std::string(verb) + storage_api::QuoteIdentifier(name);
}

}  // namespace

SqliteSession::SqliteSession(Database* db, size_t capacity)
    : db_(db), capacity_(capacity < 1 ? 1 : capacity) {}

SqliteSession::~SqliteSession() = default;

Status SqliteSession::Classify(Status s) const {
  if (s.ok() || s.code() == Status::Code::kInvalidArgument) return s;
  if (db_->ErrorCode() == SQLITE_ERROR) return Status::InvalidArgument(s.message());
  return s;
}

// SQLAlchemy's shape, "<error> [SQL: <text>]": the migration replies carry it.
Status SqliteSession::Failure(int rc, std::string_view sql) const {
  Status s = db_->ToStatus(rc, "");
  if (s.code() != Status::Code::kInvalidArgument && (rc & 0xff) != SQLITE_ERROR) return s;
  return Status::InvalidArgument(db_->ErrorMessage() + " [SQL: " + std::string(sql) + "]");
}

Statement* SqliteSession::Prepared(const std::string& sql, Status* error) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    uses_.splice(uses_.begin(), uses_, it->second.use);
    return &it->second.stmt;
  }
  Statement stmt;
  if (Status s = stmt.Prepare(db_, sql, /*persistent=*/true); !s.ok()) {
    *error = Classify(std::move(s));
    return nullptr;
  }
  if (cache_.size() >= capacity_) {
    cache_.erase(*uses_.back());
    uses_.pop_back();
  }
  auto [it, inserted] = cache_.emplace(sql, Entry{std::move(stmt), {}});
  uses_.push_front(&it->first);
  it->second.use = uses_.begin();
  return &it->second.stmt;
}

Status SqliteSession::Run(const storage_api::Statement& statement, std::vector<SqlRow>* rows,
                          int64_t* changes) {
  if (statement.sql.size() > kMaxCachedSqlBytes) {
    Statement once;
    if (Status s = once.Prepare(db_, statement.sql, /*persistent=*/false); !s.ok()) {
      return Classify(std::move(s));
    }
    return Execute(&once, statement, rows, changes);
  }
  Status error;
  Statement* stmt = Prepared(statement.sql, &error);
  if (stmt == nullptr) return error;
  return Execute(stmt, statement, rows, changes);
}

Status SqliteSession::Execute(Statement* stmt, const storage_api::Statement& statement,
                              std::vector<SqlRow>* rows, int64_t* changes) {
  Statement::Scope scope(stmt);  // the bound text is the statement's own: live until reset
  int index = 0;
  for (const storage_api::SqlValue& value : statement.params) stmt->Bind(++index, value);
  for (bool has_row = true;;) {
    if (Status s = stmt->Step(&has_row); !s.ok()) return Classify(std::move(s));
    if (!has_row) break;
    if (rows == nullptr) continue;
    SqlRow row(static_cast<size_t>(stmt->ColumnCount()));
    for (size_t i = 0; i < row.size(); ++i) {
      if (!stmt->ColumnValue(static_cast<int>(i), &row[i])) {
        return Status::InvalidArgument("a BLOB cell in the result of \"" + statement.sql + "\"");
      }
    }
    rows->push_back(std::move(row));
  }
  if (changes != nullptr) *changes = db_->Changes();
  return Status::OK();
}

// The text may hold several statements: each is prepared and run in turn
// (sqlite3_exec would do the same, without telling errors apart).
Status SqliteSession::RunOnce(std::string_view sql) {
  while (!sql.empty()) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_->get(), sql.data(), static_cast<int>(sql.size()), 0,
                                      &raw, &tail);
    std::unique_ptr<sqlite3_stmt, Finalizer> stmt(raw);
    if (rc != SQLITE_OK) return Failure(rc, sql);
    sql.remove_prefix(static_cast<size_t>(tail - sql.data()));
    if (stmt == nullptr) continue;  // only blanks or a comment
    int step = SQLITE_ROW;
    while (step == SQLITE_ROW) step = sqlite3_step(stmt.get());
    if (step != SQLITE_DONE) return Failure(step, sqlite3_sql(stmt.get()));
  }
  return Status::OK();
}

SqliteSession::Savepoints* SqliteSession::SavepointsOf(std::string_view name, Status* error) {
  for (const auto& savepoints : savepoints_) {
    if (savepoints->name == name) return savepoints.get();
  }
  auto made = std::make_unique<Savepoints>();
  made->name = std::string(name);
  for (auto [stmt, verb] : {std::pair{&made->begin, "SAVEPOINT "},
                            std::pair{&made->release, "RELEASE "},
                            std::pair{&made->rollback, "ROLLBACK TO "}}) {
    if (Status s = stmt->Prepare(db_, SavepointSql(verb, name), /*persistent=*/true); !s.ok()) {
      *error = Classify(std::move(s));
      return nullptr;
    }
  }
  savepoints_.push_back(std::move(made));
  return savepoints_.back().get();
}

Status SqliteSession::Savepoint(std::string_view name) {
  Status error;
  Savepoints* savepoints = SavepointsOf(name, &error);
  return savepoints == nullptr ? error : Classify(RunWith(&savepoints->begin));
}

Status SqliteSession::ReleaseSavepoint(std::string_view name) {
  Status error;
  Savepoints* savepoints = SavepointsOf(name, &error);
  return savepoints == nullptr ? error : Classify(RunWith(&savepoints->release));
}

Status SqliteSession::RollbackToSavepoint(std::string_view name) {
  Status error;
  Savepoints* savepoints = SavepointsOf(name, &error);
  if (savepoints == nullptr) return error;
  if (Status s = Classify(RunWith(&savepoints->rollback)); !s.ok()) return s;
  return Classify(RunWith(&savepoints->release));
}

}  // namespace roseyd::store
