#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/event.h"

struct sqlite3;
struct sqlite3_stmt;

namespace roseyd::store {

// One SQLite connection (RAII over sqlite3*, closed with sqlite3_close_v2).
//
// Thread: confined to one thread at a time (opened with SQLITE_OPEN_NOMUTEX),
// except Interrupt(), which any thread may call.
class Database {
 public:
  enum class Mode { kReadWriteCreate, kReadOnly };

  // Opens `path`; kReadWriteCreate first checks that its directory exists
  // and is writable. Throws StartupError("store", "<path>: <reason>").
  Database(const std::string& path, Mode mode);
  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Readies a kReadWriteCreate connection for the writer: refuses a
  // read-only, unreadable, foreign or corrupt file, sets the busy timeout,
  // switches to WAL and sets `synchronous` (off, normal, full or extra).
  // Throws StartupError naming the path and the reason.
  void SetUpForWriting(std::chrono::milliseconds busy_timeout, std::string_view synchronous);

  // Runs `sql` (one or more statements, rows ignored). Startup only: throws
  // StartupError naming the path and `what` on failure.
  void ExecOrThrow(const char* sql, std::string_view what);

  // Runs `sql` (rows ignored); for steady-state work outside the hot path.
  Status Exec(const char* sql);

  // Throws StartupError("store", "<path>: <what>: <sqlite message>") for `rc`.
  [[noreturn]] void Throw(int rc, std::string_view what) const;

  // The Status for result code `rc` of the last call on this connection:
  // InvalidArgument for errors caused by the row's data (constraint, too big,
  // type mismatch, range), Busy for locks, ResourceExhausted for a full disk
  // or no memory, IoError for everything else. A full disk or an I/O error
  // names the file, the failed operation and any OS error SQLite kept.
  Status ToStatus(int rc, std::string_view what) const;

  // How long a statement waits for a lock another connection holds before
  // it fails with SQLITE_BUSY (as sqlite3_busy_timeout, but Interrupt() cuts
  // the wait short).
  void SetBusyTimeout(int milliseconds);
  // Makes the statement running on this connection, if any, fail with
  // SQLITE_INTERRUPT, and every wait for a lock from now on give up at once:
  // for a stop that cannot wait any longer. Thread-safe.
  void Interrupt();
  int64_t Changes() const;
  bool InTransaction() const;  // false in autocommit mode
  bool IsReadOnly() const;     // the file was opened read-only
  std::string ErrorMessage() const;
  int ErrorCode() const;  // primary result code of the last failed call
  const std::string& path() const { return path_; }
  sqlite3* get() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept;
  };
  std::string OsContext() const;  // " (<path>: <OS error>)"
  // sqlite3_busy_handler callback; `self` is the Database.
  static int OnBusy(void* self, int attempts) noexcept;

  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
  int busy_timeout_ms_ = 0;
  std::atomic<bool> interrupted_{false};
};

// True for a Status that ToStatus() made from an error in one row's data: the
// event that caused it cannot ever be written, so retrying is pointless.
inline bool IsDataError(const Status& s) { return s.code() == Status::Code::kInvalidArgument; }

// A prepared statement (RAII over sqlite3_stmt*, finalized on destruction).
// Bind errors are remembered and returned by the next Step(), so a caller
// binds several values and checks once. Text is bound without copying:
// REQUIRES: bound text stays live until the statement is reset (see Scope).
//
// Thread: confined to its Database's thread. *db must outlive it.
class Statement {
 public:
  Statement() = default;
  // Prepares `sql` on *db; throws StartupError on failure.
  Statement(Database* db, std::string_view sql, bool persistent);
  ~Statement();

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;

  // Non-throwing preparation for statements built after startup.
  Status Prepare(Database* db, std::string_view sql, bool persistent);

  // Parameters are 1-based, as in SQL.
  void Bind(int index, int64_t value);
  void Bind(int index, double value);
  void Bind(int index, std::string_view text);
  void Bind(int index, const std::string& text) { Bind(index, std::string_view(text)); }
  void BindNull(int index);
  void Bind(int index, const StatusValue& value);
  void Bind(int index, const std::optional<int64_t>& value);
  void Bind(int index, const std::optional<std::string>& value);
  // Without these, a string literal or int would pick the wrong overload.
  void Bind(int index, const char* text) { Bind(index, std::string_view(text)); }
  void Bind(int index, int value) { Bind(index, static_cast<int64_t>(value)); }

  // Runs to completion, ignoring any rows.
  Status Run();
  // Advances one row: *has_row is false once the statement is done.
  Status Step(bool* has_row);

  int64_t ColumnInt64(int column) const;
  double ColumnDouble(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;
  std::optional<int64_t> ColumnOptionalInt64(int column) const;
  std::optional<std::string> ColumnOptionalText(int column) const;
  int ColumnCount() const;
  // The cell as SQLite holds it (NULL, INTEGER, REAL, TEXT); false for a BLOB.
  bool ColumnValue(int column, StatusValue* out) const;

  // Makes the statement ready to run again and drops its bindings.
  void Reset();

  bool prepared() const { return stmt_ != nullptr; }
  const char* sql() const;

  // Resets the statement when it leaves scope, so a read never holds its
  // snapshot and borrowed text is never referenced after the call.
  class Scope {
   public:
    explicit Scope(Statement* stmt) : stmt_(stmt) {}
    ~Scope() { stmt_->Reset(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Statement* const stmt_;
  };

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept;
  };

  void NoteBind(int rc, int index);

  Database* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  int bind_rc_ = 0;  // first failed bind since the last Reset(), or SQLITE_OK
  int bind_index_ = 0;
};

// Binds `args` to ?1, ?2, ... and runs the statement to completion.
template <typename... Args>
Status RunWith(Statement* stmt, const Args&... args) {
  Statement::Scope scope(stmt);
  int index = 0;
  (stmt->Bind(++index, args), ...);
  return stmt->Run();
}

}  // namespace roseyd::store
