#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/event.h"

struct pg_conn;
struct pg_result;

namespace roseyd::store {

// One PGresult (RAII over pg_result*, freed with PQclear). Columns are read
// as the text libpq received (results are in text format).
//
// Thread: confined to one thread at a time.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result) : result_(result) {}

  bool empty() const { return result_ == nullptr; }
  int rows() const;
  int columns() const;
  // The type OID of a column (pg_type.oid: 16 bool, 20 int8, 701 float8...).
  uint32_t ColumnType(int column) const;
  bool IsNull(int row, int column) const;
  std::string_view Text(int row, int column) const;
  // A column that does not parse as an integer reads as 0.
  int64_t Int64(int row, int column) const;
  std::optional<int64_t> OptionalInt64(int row, int column) const;
  std::optional<std::string> OptionalText(int row, int column) const;
  // Rows an INSERT, UPDATE or DELETE touched.
  int64_t AffectedRows() const;
  pg_result* get() const { return result_.get(); }

 private:
  struct Clear {
    void operator()(pg_result* result) const noexcept;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

// The parameters of one statement, in libpq's text format; PostgreSQL infers
// each one's type from the statement. Numbers are kept here; text is
// borrowed. REQUIRES: borrowed text outlives the call that sends it.
//
// Thread: confined to one thread at a time.
class PgParams {
 public:
  static constexpr int kMaxParams = 16;

  void Clear() { size_ = 0; }
  // REQUIRES: fewer than kMaxParams added since the last Clear().
  void Add(int64_t value);
  void Add(int value) { Add(static_cast<int64_t>(value)); }
  // A double that holds an integer is written as one ("3", not "3.0"), so
  // that it fits an INTEGER column as it did SQLite's.
  void Add(double value);
  void Add(const std::string& text) { values_[size_++] = text.c_str(); }
  void Add(std::string&&) = delete;  // keeps a pointer: the text must outlive the call
  void Add(const char* text) { values_[size_++] = text; }
  void AddNull() { values_[size_++] = nullptr; }
  void Add(const std::optional<int64_t>& value);
  void Add(const StatusValue& value);

  int size() const { return size_; }
  const char* const* values() const { return values_.data(); }

 private:
  std::array<const char*, kMaxParams> values_{};
  std::array<std::array<char, 32>, kMaxParams> numbers_{};
  int size_ = 0;
};

// One libpq connection (RAII over pg_conn*, closed with PQfinish) to the
// database of a postgresql:// URI, with the synchronous calls the schema,
// the reader and the housekeeping use, and pipeline mode for the writer's
// batches: commands are queued without waiting, sent in one go, and their
// results read back in order.
//
// Errors come back as Status: InvalidArgument for an error in the row's own
// data (SQLSTATE classes 22 and 23: IsDataError), Busy for a serialization
// failure or deadlock, ResourceExhausted for a full disk or memory,
// Unavailable when the connection is gone or the server is shutting down or
// does not answer within the result timeout, IoError for the rest. Messages
// never carry the password: only the redacted URI.
//
// Every wait for the server (connecting, sending, a reply) can be cut short
// from another thread by Interrupt(), for a stop that cannot wait for a
// server that does not answer.
//
// Thread: confined to one thread at a time, except Interrupt().
class PgConnection {
 public:
  // Connects nothing yet. `result_timeout` bounds every wait for the server.
  explicit PgConnection(std::string url,
                        std::chrono::milliseconds result_timeout = std::chrono::seconds(60));
  ~PgConnection();

  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // (Re)connects, dropping any earlier connection. Unavailable with libpq's
  // reason on failure.
  Status Connect();
  // Connect() for start-up: throws StartupError("store", ...) naming the
  // redacted URI and the reason.
  void ConnectOrThrow();
  // False before Connect(), after Close() or Drop(), and once libpq saw
  // the connection break.
  bool connected() const;
  // Closes the connection politely: what libpq still holds is sent first.
  void Close();
  // Cuts the connection: nothing libpq still holds is sent (PQfinish would
  // flush it, COMMIT included), and the server rolls back what is open.
  void Drop();

  const std::string& redacted_url() const { return redacted_url_; }

  // From any thread: the wait in progress, and every later one, fails at
  // once with Unavailable, dropping the connection (the server rolls back
  // what was open). For good: a stopping owner does not wait again.
  void Interrupt() noexcept;
  bool interrupted() const { return interrupted_.load(std::memory_order_acquire); }

  // Synchronous calls. REQUIRES: connected, not in pipeline mode.
  // Runs `sql`, which may hold several statements; rows are ignored.
  Status Exec(const char* sql);
  Status Prepare(const char* name, const char* sql);
  Status ExecPrepared(const char* name, const PgParams& params, PgResult* out);
  Status ExecParams(const char* sql, const PgParams& params, PgResult* out);
  // ExecParams for any number of parameters: `values` as text (null: NULL),
  // `types` their type OIDs (0: inferred from the statement).
  // REQUIRES: both hold `count` entries.
  Status ExecTyped(const char* sql, int count, const uint32_t* types, const char* const* values,
                   PgResult* out);
  // The SQLSTATE and primary message of the last synchronous call that
  // failed with an error result; empty when it failed otherwise (a lost
  // connection) or nothing failed yet.
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  const std::string& last_error() const { return last_error_; }
  // Whether a transaction block is open, an aborted one included.
  bool InTransaction() const;

  // Pipeline mode. Enter, send commands, Sync() (which flushes them), then
  // read each command's result with NextResult() and the sync point with
  // AwaitSync(); ExitPipeline() once everything sent has been read.
  // REQUIRES: connected.
  Status EnterPipeline();
  Status SendPrepared(const char* name, const PgParams& params);
  Status SendQuery(const char* sql, const PgParams& params);
  Status Sync();
  // The next command's outcome: OK, or its error; *aborted is set for a
  // command the server skipped after an earlier error in the pipeline.
  Status NextResult(bool* aborted);
  Status AwaitSync();
  Status ExitPipeline();

  // The Status for a failed result, or Unavailable if the connection broke.
  Status ResultStatus(const pg_result* result, std::string_view what) const;

 private:
  struct Finish {
    void operator()(pg_conn* conn) const noexcept;
  };

  // Sends what libpq holds, reading replies meanwhile: the server stops
  // reading when its replies fill the socket, so writing alone could wait
  // forever.
  Status Flush();
  // Waits until a result can be read without blocking.
  Status AwaitInput();
  // Reads a synchronous call's results; the last rows land in *out.
  Status Collect(std::string_view what, PgResult* out);
  Status Lost(std::string_view what) const;
  // Waits until `socket` has `events`, Interrupt() is called, or `timeout`
  // passes: 1, or 0 on timeout, or -1 with errno, or kInterrupted.
  static constexpr int kInterrupted = -2;
  int WaitFor(int socket, short events, std::chrono::milliseconds timeout, short* revents);
  Status InterruptedStatus(std::string_view what);

  const std::string url_;
  const std::string redacted_url_;
  const std::chrono::milliseconds result_timeout_;
  std::unique_ptr<pg_conn, Finish> conn_;
  std::atomic<bool> interrupted_{false};
  int wake_fd_ = -1;  // an eventfd that Interrupt() makes readable
  std::string last_sqlstate_;
  std::string last_error_;
};

// True for a Status made from an error in one event's own data: writing that
// event can never succeed, so retrying it is pointless.
inline bool IsPgDataError(const Status& s) { return s.code() == Status::Code::kInvalidArgument; }

}  // namespace roseyd::store
