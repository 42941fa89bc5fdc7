#include "store/event_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/startup_error.h"
#include "store/event_queue.h"
#include "store/sqlite/chat_lines.h"
#include "store/sqlite/database.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

using Duration = std::chrono::steady_clock::duration;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kFirstBackoff{50};
constexpr milliseconds kMaxBackoff{5000};
// After Stop() a failing batch gets a few short retries, then the writer
// gives up so that a dead disk cannot hang shutdown forever.
constexpr int kRetriesAfterStop = 3;
constexpr milliseconds kBackoffAfterStop{100};
constexpr int64_t kDay = 86400;
// Caches one UPDATE per column set; a bot sends the same set every time.
constexpr size_t kMaxStatusStatements = 64;

int64_t UnixNow() {
  return std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class NullListener : public CommitListener {
 public:
  void OnCommitted(std::span<const Event>, std::chrono::nanoseconds) noexcept override {}
  void OnRejected(const Event&, const Status&) noexcept override {}
  void OnWriteError(const Status&) noexcept override {}
};

// The connection checks, then the schema: each step fails at startup with the
// file's path and a reason a person can act on. Returns db.
Database* SetUp(Database* db, const StoreConfig& config) {
  db->SetUpForWriting(config.busy_timeout, config.synchronous);
  CreateOrUpgradeSchema(db, UnixNow());
  return db;
}

// The writer's statements, prepared once after the schema exists.
struct WriteStatements {
  explicit WriteStatements(Database* db);

  Statement begin, commit, rollback;
  Statement user_joined, user_left, chat_stats, chat_insert, user_count;
  Statement high_water_users, high_water_connected;
  Statement mark_sent, mark_failed_permanent, mark_failed_transient, user_action;
  Statement close_sessions, prune_chat, prune_history, prune_sent, prune_tokens, set_meta;
};

WriteStatements::WriteStatements(Database* db)
    : begin(db, "BEGIN IMMEDIATE", true),
      commit(db, "COMMIT", true),
      rollback(db, "ROLLBACK", true),
      user_joined(db,
                  "INSERT INTO user_stats (username, first_seen, last_seen, current_session_start)"
                  " VALUES (?1, ?2, ?2, ?2) ON CONFLICT (username) DO UPDATE SET"
                  " last_seen = excluded.last_seen,"
                  " current_session_start = excluded.current_session_start",
                  true),
      // The original tested the start for truth, so a 0 start is no session.
      user_left(db,
                "UPDATE user_stats SET last_seen = ?1,"
                " total_time_connected = total_time_connected + (?1 - current_session_start),"
                " current_session_start = NULL"
                " WHERE username = ?2 AND current_session_start IS NOT NULL"
                " AND current_session_start <> 0",
                true),
      chat_stats(db,
                 "UPDATE user_stats SET total_chat_lines = total_chat_lines + 1, last_seen = ?1"
                 " WHERE username = ?2",
                 true),
      chat_insert(db, "INSERT INTO recent_chat (timestamp, username, message) VALUES (?1, ?2, ?3)",
                  true),
      user_count(db,
                 "INSERT INTO user_count_history (timestamp, chat_users, connected_users)"
                 " VALUES (?1, ?2, ?3)",
                 true),
      high_water_users(db,
                       "UPDATE channel_stats SET max_users = ?1, max_users_timestamp = ?2,"
                       " last_updated = ?2 WHERE id = 1 AND ?1 > IFNULL(max_users, 0)",
                       true),
      high_water_connected(db,
                           "UPDATE channel_stats SET max_connected = ?1,"
                           " max_connected_timestamp = ?2, last_updated = ?2"
                           " WHERE id = 1 AND ?1 > IFNULL(max_connected, 0)",
                           true),
      mark_sent(db, "UPDATE outbound_messages SET sent = 1, sent_timestamp = ?1 WHERE id = ?2",
                true),
      mark_failed_permanent(db,
                            "UPDATE outbound_messages SET sent = 1, sent_timestamp = ?1,"
                            " retry_count = retry_count + 1, last_error = ?2 WHERE id = ?3",
                            true),
      mark_failed_transient(db,
                            "UPDATE outbound_messages SET retry_count = retry_count + 1,"
                            " last_error = ?1 WHERE id = ?2",
                            true),
      user_action(db,
                  "INSERT INTO user_actions (timestamp, username, action_type, details)"
                  " VALUES (?1, ?2, ?3, ?4)",
                  true),
      close_sessions(db,
                     "UPDATE user_stats SET"
                     " total_time_connected = total_time_connected + (?1 - current_session_start),"
                     " current_session_start = NULL, last_seen = ?1"
                     " WHERE current_session_start IS NOT NULL",
                     false),
      prune_chat(db, "DELETE FROM recent_chat WHERE timestamp < ?1", false),
      prune_history(db, "DELETE FROM user_count_history WHERE timestamp < ?1", false),
      prune_sent(db, "DELETE FROM outbound_messages WHERE sent = 1 AND sent_timestamp < ?1", false),
      prune_tokens(db, "DELETE FROM api_tokens WHERE revoked = 1 AND created_at < ?1", false),
      set_meta(db, "INSERT OR REPLACE INTO roseyd_meta (key, value) VALUES (?1, ?2)", false) {}

// Binds `args` to ?1, ?2, ... and runs the statement to completion.
template <typename... Args>
Status RunWith(Statement* stmt, const Args&... args) {
  Statement::Scope scope(stmt);
  int index = 0;
  (stmt->Bind(++index, args), ...);
  return stmt->Run();
}

}  // namespace

class EventWriter::Impl {
 public:
  Impl(const StoreConfig& config, const std::string& path, CommitListener* listener,
       const std::string& stream, Clock* clock);

  void Start();
  void Stop();
  Status Submit(Event event, uint64_t* seq);
  uint64_t LastCommitted() const;
  uint64_t LastStreamSeq() const { return last_stream_seq_.load(std::memory_order_acquire); }
  Status WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline);
  const EventQueue& queue() const { return queue_; }

 private:
  void Run();
  void CollectBatch();
  bool CommitBatch();  // false: gave up at shutdown
  Status ApplyBatch();
  void Rollback();
  void Publish(std::chrono::nanoseconds duration);
  size_t ChatRunAt(size_t first) const;
  Status ApplyEvent(const Event& event, bool* partial);
  Status Apply(const UserJoined& w, int64_t now, bool* partial);
  Status Apply(const UserLeft& w, int64_t now, bool* partial);
  Status Apply(const ChatMessage& w, int64_t now, bool* partial);
  Status Apply(const UserCount& w, int64_t now, bool* partial);
  Status Apply(const HighWater& w, int64_t now, bool* partial);
  Status Apply(const StatusUpdate& w, int64_t now, bool* partial);
  Status Apply(const MarkSent& w, int64_t now, bool* partial);
  Status Apply(const MarkFailed& w, int64_t now, bool* partial);
  Status Apply(const UserAction& w, int64_t now, bool* partial);
  Status Apply(const LogChat& w, int64_t now, bool* partial);
  // The cached UPDATE for this set of columns; nullptr and *error on failure.
  Statement* StatusStatement(uint32_t columns, Status* error);
  template <typename Work>
  Status InTransaction(const char* what, Work work);
  void RunPeriodicWork();
  Status Maintain();
  Duration MaintenanceDueIn();
  uint64_t StoredStreamSeq();

  // Constant after construction.
  const StoreConfig config_;
  CommitListener* const listener_;
  Clock* const clock_;
  const std::string stream_key_;  // roseyd_meta key of the stream's position
  const Duration retention_interval_;
  const Duration maintenance_interval_;

  EventQueue queue_;  // thread-safe

  // Confined to the writer thread (the constructor and Stop() run before it
  // starts and after it ends). Statements die before the connection.
  Database db_;
  WriteStatements stmts_;
  ChatLineWriter chat_lines_{&db_};
  std::map<uint32_t, Statement> status_stmts_;  // by column bit set
  std::vector<Event> batch_;
  std::vector<char> rejected_;  // parallel to batch_
  std::vector<Event> accepted_;
  Clock::TimePoint next_retention_;
  Clock::TimePoint next_maintenance_;

  mutable Mutex mu_;
  CondVar committed_cv_{&mu_};
  uint64_t last_committed_ GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> last_stream_seq_{0};  // written by the writer thread only
  bool writer_exited_ GUARDED_BY(mu_) = false;

  Mutex lifecycle_mu_;  // serialises Start/Stop
  std::thread thread_ GUARDED_BY(lifecycle_mu_);
  bool stopped_ GUARDED_BY(lifecycle_mu_) = false;
};

EventWriter::Impl::Impl(const StoreConfig& config, const std::string& path,
                        CommitListener* listener, const std::string& stream, Clock* clock)
    : config_(config),
      listener_(listener),
      clock_(clock),
      stream_key_(StreamSeqKey(stream)),
      retention_interval_(std::max<Duration>(config.retention_interval, seconds(1))),
      maintenance_interval_(std::max<Duration>(config.maintenance_interval, seconds(1))),
      queue_(config.write_queue_capacity, clock),
      db_(path, Database::Mode::kReadWriteCreate),
      stmts_(SetUp(&db_, config)) {
  const auto now = clock_->Now();
  next_retention_ = now + retention_interval_;
  next_maintenance_ = now + MaintenanceDueIn();
  last_stream_seq_.store(StoredStreamSeq(), std::memory_order_release);
}

uint64_t EventWriter::Impl::StoredStreamSeq() {
  Statement stored(&db_, "SELECT value FROM roseyd_meta WHERE key = ?1", false);
  Statement::Scope scope(&stored);
  stored.Bind(1, std::string_view(stream_key_));
  bool has_row = false;
  if (!stored.Step(&has_row).ok() || !has_row) return 0;
  return static_cast<uint64_t>(stored.ColumnInt64(0));
}

// Maintenance survives restarts through roseyd_meta, so a daemon restarted
// more often than the interval still maintains its file; but never right at
// startup, where it would delay the first commit.
Duration EventWriter::Impl::MaintenanceDueIn() {
  Statement last(&db_, "SELECT value FROM roseyd_meta WHERE key = ?1", false);
  Statement::Scope scope(&last);
  last.Bind(1, kMetaLastMaintenance);
  bool has_row = false;
  if (!last.Step(&has_row).ok() || !has_row) return maintenance_interval_;
  const auto due_in = seconds(last.ColumnInt64(0) - clock_->UnixNow()) + maintenance_interval_;
  const auto grace = std::min<Duration>(maintenance_interval_, seconds(60));
  return std::clamp<Duration>(due_in, grace, maintenance_interval_);
}

void EventWriter::Impl::Start() {
  MutexLock lock(&lifecycle_mu_);
  if (!thread_.joinable() && !stopped_) thread_ = std::thread([this] { Run(); });
}

void EventWriter::Impl::Stop() {
  MutexLock lock(&lifecycle_mu_);
  if (stopped_) return;
  stopped_ = true;
  queue_.Close();
  // Never started: run the drain and the session close here instead.
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  thread_.join();
}

Status EventWriter::Impl::Submit(Event event, uint64_t* seq) {
  if (event.unix_time == 0) event.unix_time = clock_->UnixNow();
  // `received` stays on the steady clock: listeners measure latency from it
  // against their own std::chrono::steady_clock::now().
  if (event.received == std::chrono::steady_clock::time_point{}) {
    event.received = std::chrono::steady_clock::now();
  }
  return queue_.Push(std::move(event), seq);
}

uint64_t EventWriter::Impl::LastCommitted() const {
  MutexLock lock(&mu_);
  return last_committed_;
}

Status EventWriter::Impl::WaitCommitted(uint64_t seq,
                                        std::chrono::steady_clock::time_point deadline) {
  if (LastCommitted() >= seq) return Status::OK();
  queue_.RequestUrgent(seq);
  MutexLock lock(&mu_);
  while (last_committed_ < seq) {
    if (writer_exited_) return Status::Unavailable("the event writer stopped");
    if (!committed_cv_.WaitUntil(deadline) && last_committed_ < seq) {
      return Status::Unavailable("timed out waiting for event " + std::to_string(seq) +
                                 " to commit");
    }
  }
  return Status::OK();
}

void EventWriter::Impl::Run() {
  for (;;) {
    if (!queue_.closed()) RunPeriodicWork();
    if (!queue_.WaitForEvent(std::min(next_retention_, next_maintenance_))) {
      if (queue_.closed()) break;
      continue;  // a timer is due
    }
    CollectBatch();
    if (!CommitBatch()) break;
  }
  const Status closed = InTransaction("closing open sessions", [this] {
    return RunWith(&stmts_.close_sessions, clock_->UnixNow());
  });
  if (!closed.ok()) spdlog::error("store: open sessions stay open in the file");
  (void)db_.Exec("PRAGMA optimize");  // cheap, and helps the next start's plans
  MutexLock lock(&mu_);
  writer_exited_ = true;
  committed_cv_.SignalAll();
}

// Group commit: take what is queued, up to batch_max_events. A lone event
// (nothing else was waiting) commits at once, so a quiet channel pays no
// delay. Once a burst shows (two or more events were waiting), the writer
// lingers up to batch_max_delay after the first for more, as PostgreSQL's
// commit_delay does only when other commits are in flight; a waiter that
// needs an event already pushed (WaitCommitted) cuts the linger short.
void EventWriter::Impl::CollectBatch() {
  batch_.clear();
  const size_t max = static_cast<size_t>(std::max(config_.batch_max_events, 1));
  queue_.PopInto(max, &batch_);
  if (batch_.size() < 2 || batch_.size() >= max || config_.batch_max_delay.count() <= 0) return;
  // Sleep until the rest of the batch is queued (or the deadline, or an
  // urgent waiter), then take it in one go.
  queue_.WaitForMore(max - batch_.size(), clock_->Now() + config_.batch_max_delay);
  queue_.PopInto(max - batch_.size(), &batch_);
}

bool EventWriter::Impl::CommitBatch() {
  rejected_.assign(batch_.size(), 0);
  Duration backoff = kFirstBackoff;
  for (int retries_after_stop = 0;;) {
    const auto started = clock_->Now();
    const Status s = ApplyBatch();
    if (s.ok()) {
      Publish(clock_->Now() - started);
      return true;
    }
    listener_->OnWriteError(s);
    if (queue_.closed()) {
      if (++retries_after_stop > kRetriesAfterStop) {
        spdlog::error(
            "store: giving up at shutdown; {} events queued or in the failed batch "
            "are lost: {}",
            batch_.size() + queue_.Depth(), s.ToString());
        return false;
      }
      clock_->SleepFor(std::min<Duration>(backoff, kBackoffAfterStop));
    } else {
      queue_.WaitForClose(clock_->Now() + backoff);  // Stop() cuts the wait short
    }
    backoff = std::min<Duration>(backoff * 2, kMaxBackoff);
  }
}

// One transaction over the batch. An event whose own data fails is rejected
// and the others go on; if it had already changed a row (or SQLite rolled
// the transaction back), the batch restarts without it so that each event
// stays all-or-nothing.
//
// Runs of message.log events go through ChatLineWriter in bulk. If a run
// fails on its data, the batch restarts event by event, which finds the bad
// event and rejects only that one.
Status EventWriter::Impl::ApplyBatch() {
  bool bulk = true;
  for (bool restart = true; restart;) {
    restart = false;
    if (Status s = RunWith(&stmts_.begin); !s.ok()) return s;
    for (size_t i = 0; i < batch_.size() && !restart; ++i) {
      if (rejected_[i]) continue;
      if (const size_t run = bulk ? ChatRunAt(i) : 0; run >= 2) {
        Status s = chat_lines_.Apply(std::span<const Event>(batch_).subspan(i, run));
        if (s.ok()) {
          i += run - 1;
          continue;
        }
        Rollback();
        if (!IsDataError(s)) return s;
        bulk = false;
        restart = true;
        continue;
      }
      bool partial = false;
      Status s = ApplyEvent(batch_[i], &partial);
      if (s.ok()) continue;
      if (!IsDataError(s)) {
        Rollback();
        return s;
      }
      rejected_[i] = 1;
      listener_->OnRejected(batch_[i], s);
      if (partial || !db_.InTransaction()) {
        Rollback();
        restart = true;
      }
    }
  }
  // Where durable intake resumes, in the same transaction as the rows; a
  // rejected event counts as read, since it is never retried.
  uint64_t stream_seq = 0;
  for (const Event& event : batch_) stream_seq = std::max(stream_seq, event.stream_seq);
  if (stream_seq != 0) {
    const std::string text = std::to_string(stream_seq);
    if (Status s = RunWith(&stmts_.set_meta, std::string_view(stream_key_), std::string_view(text));
        !s.ok()) {
      Rollback();
      return s;
    }
  }
  if (Status s = RunWith(&stmts_.commit); !s.ok()) {
    Rollback();
    return s;
  }
  if (stream_seq != 0) last_stream_seq_.store(stream_seq, std::memory_order_release);
  return Status::OK();
}

// How many events from batch_[first] on are message.log lines not yet
// rejected, in a row.
size_t EventWriter::Impl::ChatRunAt(size_t first) const {
  size_t end = first;
  while (end < batch_.size() && !rejected_[end] &&
         std::holds_alternative<ChatMessage>(batch_[end].write)) {
    ++end;
  }
  return end - first;
}

void EventWriter::Impl::Rollback() {
  if (!db_.InTransaction()) return;
  const Status s = RunWith(&stmts_.rollback);
  if (!s.ok()) spdlog::warn("store: rollback failed: {}", s.ToString());
}

void EventWriter::Impl::Publish(std::chrono::nanoseconds duration) {
  const uint64_t last = batch_.back().seq;
  std::span<const Event> durable = batch_;
  if (std::find(rejected_.begin(), rejected_.end(), 1) != rejected_.end()) {
    accepted_.clear();
    for (size_t i = 0; i < batch_.size(); ++i) {
      if (!rejected_[i]) accepted_.push_back(std::move(batch_[i]));
    }
    durable = accepted_;
  }
  // The listener hears first, so whoever WaitCommitted() releases sees the
  // listener's view (metrics, acks) already up to date.
  if (!durable.empty()) listener_->OnCommitted(durable, duration);
  accepted_.clear();
  {
    MutexLock lock(&mu_);
    last_committed_ = last;
    committed_cv_.SignalAll();
  }
  queue_.ClearUrgent(last);
}

Status EventWriter::Impl::ApplyEvent(const Event& event, bool* partial) {
  return std::visit([&](const auto& w) { return Apply(w, event.unix_time, partial); }, event.write);
}

Status EventWriter::Impl::Apply(const UserJoined& w, int64_t now, bool*) {
  return RunWith(&stmts_.user_joined, w.username, now);
}

Status EventWriter::Impl::Apply(const UserLeft& w, int64_t now, bool*) {
  return RunWith(&stmts_.user_left, now, w.username);
}

Status EventWriter::Impl::Apply(const ChatMessage& w, int64_t now, bool* partial) {
  if (Status s = RunWith(&stmts_.chat_stats, now, w.username); !s.ok()) return s;
  if (!WantsChatRow(w)) return Status::OK();
  *partial = db_.Changes() > 0;
  return RunWith(&stmts_.chat_insert, now, w.username, w.message);
}

Status EventWriter::Impl::Apply(const UserCount& w, int64_t now, bool*) {
  return RunWith(&stmts_.user_count, now, w.chat_count, w.connected_count);
}

Status EventWriter::Impl::Apply(const HighWater& w, int64_t now, bool* partial) {
  if (Status s = RunWith(&stmts_.high_water_users, w.chat_count, now); !s.ok()) return s;
  // The original skipped a null or zero connected count.
  if (!w.connected_count || *w.connected_count == 0) return Status::OK();
  *partial = db_.Changes() > 0;
  return RunWith(&stmts_.high_water_connected, *w.connected_count, now);
}

Status EventWriter::Impl::Apply(const StatusUpdate& w, int64_t now, bool*) {
  std::array<const StatusValue*, kStatusColumnCount> values{};
  uint32_t columns = 0;
  for (const auto& [column, value] : w.fields) {
    // The service whitelisted these already; a name reaches the SQL text
    // only if it is one of the schema's own column names.
    const int index = StatusColumnIndex(column);
    if (index < 0) {
      return Status::InvalidArgument("status column '" + column + "' is not whitelisted");
    }
    columns |= 1u << index;
    values[static_cast<size_t>(index)] = &value;  // a repeated column: the last wins
  }
  if (columns == 0) return Status::OK();  // the original did nothing either
  Status prepared;
  Statement* stmt = StatusStatement(columns, &prepared);
  if (stmt == nullptr) return prepared;
  Statement::Scope scope(stmt);
  int param = 0;
  for (const StatusValue* value : values) {
    if (value != nullptr) stmt->Bind(++param, *value);
  }
  stmt->Bind(++param, now);
  return stmt->Run();
}

Statement* EventWriter::Impl::StatusStatement(uint32_t columns, Status* error) {
  auto it = status_stmts_.find(columns);
  if (it == status_stmts_.end()) {
    if (status_stmts_.size() >= kMaxStatusStatements) status_stmts_.clear();
    std::string sql = "UPDATE current_status SET ";
    const auto names = StatusColumns();
    for (size_t i = 0; i < names.size(); ++i) {
      if (columns & (1u << i)) (sql += names[i]) += " = ?, ";
    }
    sql += "last_updated = ? WHERE id = 1";
    Statement stmt;
    if (*error = stmt.Prepare(&db_, sql, true); !error->ok()) return nullptr;
    it = status_stmts_.emplace(columns, std::move(stmt)).first;
  }
  return &it->second;
}

Status EventWriter::Impl::Apply(const MarkSent& w, int64_t now, bool*) {
  return RunWith(&stmts_.mark_sent, now, w.message_id);
}

Status EventWriter::Impl::Apply(const MarkFailed& w, int64_t now, bool*) {
  if (w.is_permanent) {  // marked sent so that it is never retried
    return RunWith(&stmts_.mark_failed_permanent, now, w.error, w.message_id);
  }
  return RunWith(&stmts_.mark_failed_transient, w.error, w.message_id);
}

Status EventWriter::Impl::Apply(const UserAction& w, int64_t now, bool*) {
  return RunWith(&stmts_.user_action, w.timestamp.value_or(now), w.username, w.action_type,
                 w.details);
}

Status EventWriter::Impl::Apply(const LogChat& w, int64_t now, bool*) {
  return RunWith(&stmts_.chat_insert, w.timestamp.value_or(now), w.username, w.message);
}

template <typename Work>
Status EventWriter::Impl::InTransaction(const char* what, Work work) {
  Status s = RunWith(&stmts_.begin);
  if (s.ok()) s = work();
  if (s.ok()) s = RunWith(&stmts_.commit);
  if (s.ok()) return s;
  Rollback();
  spdlog::warn("store: {} failed: {}", what, s.ToString());
  listener_->OnWriteError(s);
  return s;
}

// Housekeeping between batches, each in its own short transaction. A failure
// is reported and tried again at the next period.
void EventWriter::Impl::RunPeriodicWork() {
  const auto now = clock_->Now();
  if (now >= next_retention_) {
    next_retention_ = now + retention_interval_;
    const int64_t cutoff = clock_->UnixNow() - int64_t{config_.recent_chat_retention_hours} * 3600;
    (void)InTransaction("pruning recent_chat", [&] { return RunWith(&stmts_.prune_chat, cutoff); });
  }
  if (now >= next_maintenance_) {
    next_maintenance_ = now + maintenance_interval_;
    (void)Maintain();  // InTransaction reported any failure
  }
}

Status EventWriter::Impl::Maintain() {
  const int64_t now = clock_->UnixNow();
  const std::string now_text = std::to_string(now);
  int64_t deleted = 0;
  Status s = InTransaction("maintenance", [&] {
    for (auto [stmt, cutoff] : {std::pair{&stmts_.prune_history, now - 30 * kDay},
                                std::pair{&stmts_.prune_sent, now - 7 * kDay},
                                std::pair{&stmts_.prune_tokens, now - 90 * kDay}}) {
      if (Status r = RunWith(stmt, cutoff); !r.ok()) return r;
      deleted += db_.Changes();
    }
    return RunWith(&stmts_.set_meta, kMetaLastMaintenance, now_text);
  });
  if (!s.ok()) return s;
  // analysis_limit bounds how long ANALYZE holds the write lock on a big file.
  const Status analyzed = db_.Exec("PRAGMA analysis_limit=1000; ANALYZE");
  spdlog::info("store: maintenance deleted {} old rows; ANALYZE {}", deleted,
               analyzed.ok() ? "done" : analyzed.ToString());
  return Status::OK();
}

EventWriter::EventWriter(const StoreConfig& config, const std::string& path,
                         CommitListener* listener, const std::string& stream, Clock* clock) {
  static NullListener null_listener;
  impl_ = std::make_unique<Impl>(config, path, listener ? listener : &null_listener, stream, clock);
}

EventWriter::~EventWriter() { impl_->Stop(); }

void EventWriter::Start() { impl_->Start(); }

Status EventWriter::Submit(Event event, uint64_t* seq) {
  return impl_->Submit(std::move(event), seq);
}

uint64_t EventWriter::LastSubmitted() const { return impl_->queue().LastAssigned(); }

uint64_t EventWriter::LastCommitted() const { return impl_->LastCommitted(); }
uint64_t EventWriter::LastStreamSeq() const { return impl_->LastStreamSeq(); }

Status EventWriter::WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline) {
  return impl_->WaitCommitted(seq, deadline);
}

void EventWriter::Stop() { impl_->Stop(); }

size_t EventWriter::QueueDepth() const { return impl_->queue().Depth(); }

}  // namespace roseyd::store
