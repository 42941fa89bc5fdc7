#include "store/sqlite/database.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <utility>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"

namespace roseyd::store {

void Database::Closer::operator()(sqlite3* db) const noexcept {
  // close_v2 defers the close until every statement is finalized, so the
  // order in which owners die cannot leak the connection.
  const int rc = sqlite3_close_v2(db);
  if (rc != SQLITE_OK) spdlog::warn("sqlite3_close_v2 failed: {}", sqlite3_errstr(rc));
}

namespace {

// SQLite's own error for an unwritable directory names the wrong thing ("No
// such file or directory"), so look at the directory first.
void CheckDirectory(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw StartupError("store", path + ": directory '" + dir.string() + "' does not exist");
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    throw StartupError("store", path + ": directory '" + dir.string() +
                                    "' is not writable (SQLite creates the file and its "
                                    "-wal and -shm files there)");
  }
}

const char* SynchronousPragma(std::string_view level) {
  if (level == "off") return "PRAGMA synchronous=OFF";
  if (level == "normal") return "PRAGMA synchronous=NORMAL";
  if (level == "full") return "PRAGMA synchronous=FULL";
  if (level == "extra") return "PRAGMA synchronous=EXTRA";
  return nullptr;
}

// Memory statistics make every sqlite3_malloc/free take a global mutex and
// cost ~5 % of the writer's time; roseyd never reads them. This must run
// before SQLite initializes, so it runs before the first connection opens.
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    const int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // SQLITE_MISUSE: something in the process initialized SQLite first; the
    // statistics stay on, which is only slower.
    if (rc != SQLITE_OK) spdlog::debug("sqlite3_config(MEMSTATUS): {}", sqlite3_errstr(rc));
    return true;
  }();
  (void)configured;
}

}  // namespace

Database::Database(const std::string& path, Mode mode) : path_(path) {
  ConfigureSqliteOnce();
  if (mode == Mode::kReadWriteCreate) CheckDirectory(path);
  const int flags =
      SQLITE_OPEN_NOMUTEX |
      (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // own it before checking: open may return a handle on failure
  if (rc != SQLITE_OK) {
    std::string reason = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    const int sys = raw ? sqlite3_system_errno(raw) : 0;
    if (sys != 0) reason += std::string(" (") + std::strerror(sys) + ")";
    throw StartupError("store", path_ + ": cannot open: " + reason, rc);
  }
  sqlite3_extended_result_codes(db_.get(), 1);
}

Database::~Database() = default;

void Database::SetUpForWriting(std::chrono::milliseconds busy_timeout,
                               std::string_view synchronous) {
  const char* sync = SynchronousPragma(synchronous);
  if (sync == nullptr) {
    throw StartupError("store", "store.synchronous must be off, normal, full or extra, not '" +
                                    std::string(synchronous) + "'");
  }
  if (IsReadOnly()) {
    throw StartupError("store", path_ + ": the file is read-only (check its permissions)");
  }
  SetBusyTimeout(static_cast<int>(busy_timeout.count()));
  // The first read tells a foreign or damaged file from a permission problem.
  if (!Exec("SELECT count(*) FROM sqlite_master").ok()) {
    const int code = ErrorCode();
    std::string reason = "cannot read the database";
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      reason = "not an SQLite database, or corrupt";
    } else if (code == SQLITE_READONLY || code == SQLITE_CANTOPEN) {
      reason = "cannot create its -wal/-shm files beside it";
    }
    throw StartupError("store", path_ + ": " + reason + ": " + ErrorMessage(), code);
  }
  Statement wal(this, "PRAGMA journal_mode=WAL", false);
  Statement::Scope scope(&wal);
  bool has_row = false;
  const Status s = wal.Step(&has_row);
  if (!s.ok()) throw StartupError("store", path_ + ": cannot enable WAL: " + s.message());
  const std::string mode = has_row ? wal.ColumnText(0) : "";
  if (mode != "wal") {
    throw StartupError("store", path_ + ": cannot enable WAL (journal_mode stays '" + mode + "')");
  }
  ExecOrThrow(sync, "setting synchronous");
  // The writer re-reads the tails of the tables and indexes it appends to:
  // a larger cache and mapped reads avoid a pread per page (measured: see
  // the README's figures).
  ExecOrThrow("PRAGMA cache_size=-16384", "setting cache_size");
  ExecOrThrow("PRAGMA mmap_size=268435456", "setting mmap_size");
}

void Database::ExecOrThrow(const char* sql, std::string_view what) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) Throw(rc, what);
}

Status Database::Exec(const char* sql) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::OK() : ToStatus(rc, sql);
}

void Database::Throw(int rc, std::string_view what) const {
  throw StartupError("store", path_ + ": " + std::string(what) + ": " + ErrorMessage(), rc);
}

Status Database::ToStatus(int rc, std::string_view what) const {
  std::string message(what);
  message += ": ";
  message += ErrorMessage();
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return Status::OK();
    case SQLITE_CONSTRAINT:
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return Status::InvalidArgument(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Busy(message);
    case SQLITE_FULL:
      return Status::ResourceExhausted(message + OsContext());
    case SQLITE_NOMEM:
      return Status::ResourceExhausted(message);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Status::IoError(message + OsContext());
    default:
      return Status::IoError(message);
  }
}

// SQLite says only "disk I/O error" or "database or disk is full": name the
// file, the failing operation, and the OS error when SQLite kept one. Only for
// these codes, where the OS error belongs to the failing call.
std::string Database::OsContext() const {
  std::string context = " (" + path_;
  switch (sqlite3_extended_errcode(db_.get())) {
    case SQLITE_IOERR_WRITE:
      context += ": write failed";
      break;
    case SQLITE_IOERR_FSYNC:
      context += ": fsync failed";
      break;
    case SQLITE_IOERR_READ:
      context += ": read failed";
      break;
    default:
      break;
  }
  if (const int err = sqlite3_system_errno(db_.get()); err != 0) {
    context += ": ";
    context += std::strerror(err);
  }
  return context + ")";
}

void Database::SetBusyTimeout(int milliseconds) {
  busy_timeout_ms_ = milliseconds;
  sqlite3_busy_handler(db_.get(), milliseconds > 0 ? &Database::OnBusy : nullptr, this);
}

// sqlite3_busy_timeout's schedule (short sleeps first, then 25 ms steps up
// to the timeout), with a look at interrupted_ before each sleep: SQLite's
// own busy handler sleeps through sqlite3_interrupt() until the timeout.
int Database::OnBusy(void* self, int attempts) noexcept {
  static constexpr int kDelaysMs[] = {1, 2, 5, 10, 15, 20, 25};
  static constexpr int kSteps = static_cast<int>(std::size(kDelaysMs));
  auto* db = static_cast<Database*>(self);
  if (db->interrupted_.load(std::memory_order_acquire)) return 0;
  int waited = 0;
  for (int i = 0; i < std::min(attempts, kSteps); ++i) waited += kDelaysMs[i];
  if (attempts > kSteps) waited += (attempts - kSteps) * kDelaysMs[kSteps - 1];
  const int delay = std::min(kDelaysMs[std::min(attempts, kSteps - 1)],
                             db->busy_timeout_ms_ - waited);
  if (delay <= 0) return 0;
  sqlite3_sleep(delay);
  return 1;
}

void Database::Interrupt() {
  interrupted_.store(true, std::memory_order_release);
  sqlite3_interrupt(db_.get());
}

int64_t Database::Changes() const { return sqlite3_changes64(db_.get()); }

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

bool Database::IsReadOnly() const { return sqlite3_db_readonly(db_.get(), "main") == 1; }

std::string Database::ErrorMessage() const { return sqlite3_errmsg(db_.get()); }

int Database::ErrorCode() const { return sqlite3_errcode(db_.get()) & 0xff; }

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const noexcept {
  sqlite3_finalize(stmt);  // its result repeats the last step's error: nothing new
}

Statement::Statement(Database* db, std::string_view sql, bool persistent) {
  const Status s = Prepare(db, sql, persistent);
  if (!s.ok()) {
    throw StartupError("store", db->path() + ": " + s.message());
  }
}

Statement::~Statement() = default;

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      stmt_(std::move(other.stmt_)),
      bind_rc_(std::exchange(other.bind_rc_, SQLITE_OK)),
      bind_index_(std::exchange(other.bind_index_, 0)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  db_ = std::exchange(other.db_, nullptr);
  stmt_ = std::move(other.stmt_);
  bind_rc_ = std::exchange(other.bind_rc_, SQLITE_OK);
  bind_index_ = std::exchange(other.bind_index_, 0);
  return *this;
}

Status Statement::Prepare(Database* db, std::string_view sql, bool persistent) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db->get(), sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &raw, nullptr);
  stmt_.reset(raw);
  db_ = db;
  bind_rc_ = SQLITE_OK;
  if (rc != SQLITE_OK) {
    return Status::Internal("cannot prepare \"" + std::string(sql) + "\": " + db->ErrorMessage());
  }
  return Status::OK();
}

void Statement::NoteBind(int rc, int index) {
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) {
    bind_rc_ = rc;
    bind_index_ = index;
  }
}

void Statement::Bind(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(stmt_.get(), index, value), index);
}

void Statement::Bind(int index, double value) {
  NoteBind(sqlite3_bind_double(stmt_.get(), index, value), index);
}

void Statement::Bind(int index, std::string_view text) {
  // SQLITE_STATIC: no copy. Safe because every caller resets (Scope) before
  // the text dies; a zero-length view may have a null data(), which SQLite
  // would store as NULL, so it gets a real empty string.
  const char* data = text.empty() ? "" : text.data();
  NoteBind(sqlite3_bind_text64(stmt_.get(), index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8),
           index);
}

void Statement::BindNull(int index) { NoteBind(sqlite3_bind_null(stmt_.get(), index), index); }

void Statement::Bind(int index, const StatusValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) {
    Bind(index, *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    Bind(index, *d);
  } else if (const auto* s = std::get_if<std::string>(&value)) {
    Bind(index, std::string_view(*s));
  } else {
    BindNull(index);
  }
}

void Statement::Bind(int index, const std::optional<int64_t>& value) {
  if (value) {
    Bind(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::Bind(int index, const std::optional<std::string>& value) {
  if (value) {
    Bind(index, std::string_view(*value));
  } else {
    BindNull(index);
  }
}

Status Statement::Run() {
  bool has_row = true;
  while (has_row) {
    Status s = Step(&has_row);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status Statement::Step(bool* has_row) {
  *has_row = false;
  if (bind_rc_ != SQLITE_OK) {
    // sqlite3_errmsg() may describe a later call: report the bind itself.
    std::string message = "binding parameter " + std::to_string(bind_index_) + " of \"" + sql() +
                          "\": " + sqlite3_errstr(bind_rc_);
    return (bind_rc_ & 0xff) == SQLITE_NOMEM ? Status::ResourceExhausted(message)
                                             : Status::InvalidArgument(message);
  }
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) {
    *has_row = true;
    return Status::OK();
  }
  if (rc == SQLITE_DONE) return Status::OK();
  return db_->ToStatus(rc, sql());
}

int64_t Statement::ColumnInt64(int column) const {
  return sqlite3_column_int64(stmt_.get(), column);
}

double Statement::ColumnDouble(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
}

std::string Statement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
  if (text == nullptr) return std::string();
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), column)));
}

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::optional<int64_t> Statement::ColumnOptionalInt64(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnInt64(column);
}

std::optional<std::string> Statement::ColumnOptionalText(int column) const {
  if (ColumnIsNull(column)) return std::nullopt;
  return ColumnText(column);
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_.get()); }

bool Statement::ColumnValue(int column, StatusValue* out) const {
  switch (sqlite3_column_type(stmt_.get(), column)) {
    case SQLITE_NULL:
      *out = std::monostate{};
      return true;
    case SQLITE_INTEGER:
      *out = ColumnInt64(column);
      return true;
    case SQLITE_FLOAT:
      *out = ColumnDouble(column);
      return true;
    case SQLITE_TEXT:
      *out = ColumnText(column);
      return true;
    default:
      return false;
  }
}

void Statement::Reset() {
  if (!stmt_) return;
  // reset's return value repeats the last step's error, already reported.
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_rc_ = SQLITE_OK;
}

const char* Statement::sql() const { return stmt_ ? sqlite3_sql(stmt_.get()) : ""; }

}  // namespace roseyd::store
