#include "store/postgres/pg_connection.h"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "config/store_url.h"

namespace roseyd::store {
namespace {

// CREATE ... IF NOT EXISTS and the like send notices; libpq would print
// them on stderr.
void OnNotice(void*, const char* message) noexcept {
  try {
    std::string_view text(message);
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    spdlog::debug("store: postgresql: {}", text);
  } catch (...) {
  }
}

std::string Trimmed(const char* message) {
  std::string text = message == nullptr ? "" : message;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

void PgResult::Clear::operator()(pg_result* result) const noexcept { PQclear(result); }

int PgResult::rows() const { return result_ ? PQntuples(result_.get()) : 0; }

int PgResult::columns() const { return result_ ? PQnfields(result_.get()) : 0; }

uint32_t PgResult::ColumnType(int column) const { return PQftype(result_.get(), column); }

bool PgResult::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}

std::string_view PgResult::Text(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<size_t>(PQgetlength(result_.get(), row, column))};
}

int64_t PgResult::Int64(int row, int column) const {
  const std::string_view text = Text(row, column);
  int64_t value = 0;
  (void)std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<int64_t> PgResult::OptionalInt64(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int64(row, column);
}

std::optional<std::string> PgResult::OptionalText(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return std::string(Text(row, column));
}

int64_t PgResult::AffectedRows() const {
  const std::string_view text = result_ ? PQcmdTuples(result_.get()) : "";
  int64_t value = 0;
  (void)std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

void PgParams::Add(int64_t value) {
  auto& buffer = numbers_[static_cast<size_t>(size_)];
  *std::to_chars(buffer.data(), buffer.data() + buffer.size() - 1, value).ptr = '\0';
  values_[static_cast<size_t>(size_++)] = buffer.data();
}

void PgParams::Add(double value) {
  if (std::isfinite(value) && value == std::trunc(value) && std::fabs(value) < 9.2e18) {
    Add(static_cast<int64_t>(value));
    return;
  }
  if (std::isnan(value) || std::isinf(value)) {
    values_[static_cast<size_t>(size_++)] =
        std::isnan(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    return;
  }
  auto& buffer = numbers_[static_cast<size_t>(size_)];
  *std::to_chars(buffer.data(), buffer.data() + buffer.size() - 1, value).ptr = '\0';
  values_[static_cast<size_t>(size_++)] = buffer.data();
}

void PgParams::Add(const std::optional<int64_t>& value) {
  if (value) {
    Add(*value);
  } else {
    AddNull();
  }
}

void PgParams::Add(const StatusValue& value) {
  std::visit(
      [this](const auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) {
          AddNull();
        } else {
          Add(v);
        }
      },
      value);
}

void PgConnection::Finish::operator()(pg_conn* conn) const noexcept { PQfinish(conn); }

PgConnection::PgConnection(std::string url, std::chrono::milliseconds result_timeout)
    : url_(std::move(url)),
      redacted_url_(RedactStoreUrl(url_)),
      result_timeout_(result_timeout),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

PgConnection::~PgConnection() {
  conn_.reset();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void PgConnection::Interrupt() noexcept {
  interrupted_.store(true, std::memory_order_release);
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
}

int PgConnection::WaitFor(int socket, short events, std::chrono::milliseconds timeout,
                          short* revents) {
  if (interrupted()) return kInterrupted;
  pollfd fds[2] = {{socket, events, 0}, {wake_fd_, POLLIN, 0}};
  const int n = poll(fds, wake_fd_ >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
  if (interrupted()) return kInterrupted;  // the wake-up fd fires only with the flag set
  if (revents != nullptr) *revents = fds[0].revents;
  return n > 0 ? 1 : n;
}

Status PgConnection::InterruptedStatus(std::string_view what) {
  Drop();
  return Status::Unavailable(redacted_url_ + ": " + std::string(what) +
                             " interrupted: roseyd is stopping");
}

Status PgConnection::Connect() {
  conn_.reset();
  if (interrupted()) return InterruptedStatus("connecting");
  // Defaults before the URI: whatever it says overrides them. libpq's
  // connect_timeout does not bound a nonblocking connect: the loop below
  // does, with the same 10 s, and gives way to Interrupt().
  constexpr std::chrono::seconds kConnectTimeout{10};
  const char* const keys[] = {"application_name", "connect_timeout", "client_encoding", "dbname",
                              nullptr};
  const char* const values[] = {"roseyd", "10", "UTF8", url_.c_str(), nullptr};
  conn_.reset(PQconnectStartParams(keys, values, /*expand_dbname=*/1));
  if (!conn_) return Status::ResourceExhausted(redacted_url_ + ": out of memory");
  const auto deadline = std::chrono::steady_clock::now() + kConnectTimeout;
  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  while (PQstatus(conn_.get()) != CONNECTION_BAD && polling != PGRES_POLLING_OK &&
         polling != PGRES_POLLING_FAILED) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      conn_.reset();
      return Status::Unavailable(redacted_url_ + ": cannot connect: timeout expired");
    }
    const short events = polling == PGRES_POLLING_READING ? POLLIN : POLLOUT;
    const int n = WaitFor(PQsocket(conn_.get()), events, left, nullptr);
    if (n == kInterrupted) return InterruptedStatus("connecting");
    if (n < 0 && errno != EINTR) break;
    if (n > 0) polling = PQconnectPoll(conn_.get());
  }
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    Status s = Status::Unavailable(redacted_url_ + ": cannot connect: " +
                                   Trimmed(PQerrorMessage(conn_.get())));
    conn_.reset();
    return s;
  }
  PQsetNoticeProcessor(conn_.get(), OnNotice, nullptr);
  // Nonblocking, so that a long pipeline never waits to send while the
  // server waits for us to read (see Sync()).
  if (PQsetnonblocking(conn_.get(), 1) != 0) {
    Status s = Lost("setting nonblocking mode");
    conn_.reset();
    return s;
  }
  return Status::OK();
}

void PgConnection::ConnectOrThrow() {
  if (const Status s = Connect(); !s.ok()) throw StartupError("store", s.message());
}

bool PgConnection::connected() const {
  return conn_ != nullptr && PQstatus(conn_.get()) == CONNECTION_OK;
}

void PgConnection::Close() { conn_.reset(); }

void PgConnection::Drop() {
  if (conn_ && PQsocket(conn_.get()) >= 0) shutdown(PQsocket(conn_.get()), SHUT_RDWR);
  conn_.reset();
}

Status PgConnection::Lost(std::string_view what) const {
  const std::string why = conn_ ? Trimmed(PQerrorMessage(conn_.get())) : "not connected";
  return Status::Unavailable(redacted_url_ + ": " + std::string(what) + ": " +
                             (why.empty() ? "connection lost" : why));
}

Status PgConnection::ResultStatus(const pg_result* result, std::string_view what) const {
  if (!connected()) return Lost(what);
  if (result == nullptr) return Status::ResourceExhausted(std::string(what) + ": out of memory");
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  // The primary message only: the detail may quote the row, i.e. user text.
  std::string message = std::string(what) + ": " +
                        (primary ? std::string(primary) : Trimmed(PQresultErrorMessage(result)));
  const std::string_view sqlstate = state ? state : "";
  if (!sqlstate.empty()) (message += " (SQLSTATE ") += std::string(sqlstate) + ")";
  const std::string_view klass = sqlstate.substr(0, 2);
  if (klass == "22" || klass == "23") return Status::InvalidArgument(message);
  if (klass == "40") return Status::Busy(message);
  if (klass == "53") return Status::ResourceExhausted(message);
  if (klass == "08" || klass == "57") return Status::Unavailable(redacted_url_ + ": " + message);
  return Status::IoError(message);
}

Status PgConnection::AwaitInput() {
  if (!conn_) return Lost("reading a reply");
  pg_conn* conn = conn_.get();
  while (PQisBusy(conn)) {
    const int n = WaitFor(PQsocket(conn), POLLIN, result_timeout_, nullptr);
    if (n == kInterrupted) return InterruptedStatus("waiting for a reply");
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      // The command's fate is unknown: drop the connection, so that the
      // server rolls back whatever it was doing when it notices.
      Drop();
      return Status::Unavailable(redacted_url_ + ": no reply within " +
                                 std::to_string(result_timeout_.count()) + " ms");
    }
    if (n < 0 || PQconsumeInput(conn) == 0) return Lost("reading a reply");
  }
  return Status::OK();
}

Status PgConnection::Sync() {
  if (PQpipelineSync(conn_.get()) == 0) return Lost("ending a pipeline");
  return Flush();
}

Status PgConnection::Flush() {
  if (!conn_) return Lost("sending");
  pg_conn* conn = conn_.get();
  for (;;) {
    const int flushed = PQflush(conn);
    if (flushed == 0) return Status::OK();
    if (flushed < 0) return Lost("sending");
    short revents = 0;
    const int n = WaitFor(PQsocket(conn), POLLIN | POLLOUT, result_timeout_, &revents);
    if (n == kInterrupted) return InterruptedStatus("sending");
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) {
      Drop();
      return Status::Unavailable(redacted_url_ + ": could not send within " +
                                 std::to_string(result_timeout_.count()) + " ms");
    }
    if (n < 0) return Lost("sending");
    if ((revents & POLLIN) != 0 && PQconsumeInput(conn) == 0) return Lost("sending");
  }
}

Status PgConnection::Collect(std::string_view what, PgResult* out) {
  last_sqlstate_.clear();
  last_error_.clear();
  if (Status s = Flush(); !s.ok()) return s;
  // Several statements give one result each; the first failure is the answer.
  Status first;
  for (;;) {
    if (Status s = AwaitInput(); !s.ok()) return s;
    PgResult result(PQgetResult(conn_.get()));
    if (result.empty()) return first;
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      if (out != nullptr) *out = std::move(result);
    } else if (first.ok()) {
      first = ResultStatus(result.get(), what);
      const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
      const char* primary = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
      last_sqlstate_ = state ? state : "";
      last_error_ = primary ? primary : Trimmed(PQresultErrorMessage(result.get()));
    }
    if (!connected()) return first.ok() ? Lost(what) : first;
  }
}

Status PgConnection::Exec(const char* sql) {
  if (PQsendQuery(conn_.get(), sql) == 0) return Lost("sending SQL");
  return Collect("running SQL", nullptr);
}

Status PgConnection::Prepare(const char* name, const char* sql) {
  if (PQsendPrepare(conn_.get(), name, sql, 0, nullptr) == 0) {
    return Lost(std::string("preparing ") + name);
  }
  return Collect(std::string("preparing ") + name, nullptr);
}

Status PgConnection::ExecPrepared(const char* name, const PgParams& params, PgResult* out) {
  if (PQsendQueryPrepared(conn_.get(), name, params.size(), params.values(), nullptr,
                          nullptr, 0) == 0) {
    return Lost(std::string("sending ") + name);
  }
  return Collect(name, out);
}

Status PgConnection::ExecParams(const char* sql, const PgParams& params, PgResult* out) {
  if (PQsendQueryParams(conn_.get(), sql, params.size(), nullptr, params.values(), nullptr,
                        nullptr, 0) == 0) {
    return Lost("sending SQL");
  }
  return Collect("running SQL", out);
}

Status PgConnection::ExecTyped(const char* sql, int count, const uint32_t* types,
                               const char* const* values, PgResult* out) {
  static_assert(sizeof(Oid) == sizeof(uint32_t));
  if (PQsendQueryParams(conn_.get(), sql, count, reinterpret_cast<const Oid*>(types), values,
                        nullptr, nullptr, 0) == 0) {
    return Lost("sending SQL");
  }
  return Collect("running SQL", out);
}

bool PgConnection::InTransaction() const {
  if (!connected()) return false;
  const PGTransactionStatusType status = PQtransactionStatus(conn_.get());
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

Status PgConnection::EnterPipeline() {
  if (PQenterPipelineMode(conn_.get()) == 0) return Lost("entering pipeline mode");
  return Status::OK();
}

Status PgConnection::SendPrepared(const char* name, const PgParams& params) {
  if (PQsendQueryPrepared(conn_.get(), name, params.size(), params.values(), nullptr,
                          nullptr, 0) == 0) {
    return Lost(std::string("queueing ") + name);
  }
  return Status::OK();
}

Status PgConnection::SendQuery(const char* sql, const PgParams& params) {
  if (PQsendQueryParams(conn_.get(), sql, params.size(), nullptr, params.values(), nullptr,
                        nullptr, 0) == 0) {
    return Lost("queueing a query");
  }
  return Status::OK();
}

Status PgConnection::NextResult(bool* aborted) {
  *aborted = false;
  if (Status s = AwaitInput(); !s.ok()) return s;
  PgResult result(PQgetResult(conn_.get()));
  if (result.empty()) return Lost("reading a pipeline result");
  Status s;
  switch (PQresultStatus(result.get())) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
      break;
    case PGRES_PIPELINE_ABORTED:
      *aborted = true;
      s = Status::Internal("skipped after an earlier error in the pipeline");
      break;
    default:
      s = ResultStatus(result.get(), "pipeline");
  }
  // Each command's results end with a null one.
  if (Status w = AwaitInput(); !w.ok()) return w;
  PgResult end(PQgetResult(conn_.get()));
  if (!end.empty() || !connected()) return s.ok() ? Lost("reading a pipeline result") : s;
  return s;
}

Status PgConnection::AwaitSync() {
  for (int nulls = 0;;) {
    if (Status s = AwaitInput(); !s.ok()) return s;
    PgResult result(PQgetResult(conn_.get()));
    if (!connected()) return Lost("waiting for the end of a pipeline");
    if (result.empty()) {
      // Between commands libpq hands out one null; more means nothing is
      // left to read, which a pipeline with a sync point cannot be.
      if (++nulls > 1) return Lost("waiting for the end of a pipeline");
      continue;
    }
    nulls = 0;
    if (PQresultStatus(result.get()) == PGRES_PIPELINE_SYNC) return Status::OK();
  }
}

Status PgConnection::ExitPipeline() {
  if (PQexitPipelineMode(conn_.get()) != 0) return Status::OK();
  Status s = Lost("leaving pipeline mode");
  Drop();  // results left unread: the connection cannot be reused
  return s;
}

}  // namespace roseyd::store
