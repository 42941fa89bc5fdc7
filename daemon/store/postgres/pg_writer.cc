#include "store/postgres/pg_writer.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <random>
#include <string_view>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "store/plugin_write.h"
#include "store/plugin_writes.h"
#include "store/postgres/pg_schema.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Whole-batch attempts before the rest goes event by event.
constexpr int kPipelinedAttempts = 4;
// roseyd_meta key of the marker each batch's transaction writes.
constexpr std::string_view kMetaLastCommit = "last_commit";
constexpr const char* kSavepoint = "SAVEPOINT roseyd_event";
constexpr const char* kRelease = "RELEASE SAVEPOINT roseyd_event";
constexpr const char* kRollbackToSavepoint = "ROLLBACK TO SAVEPOINT roseyd_event";

constexpr const char* kMetaOne =
    "INSERT INTO roseyd_meta (key, value) VALUES ($1, $2)"
    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";
constexpr const char* kMetaTwo =
    "INSERT INTO roseyd_meta (key, value) VALUES ($1, $2), ($3, $4)"
    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";
constexpr const char* kGetMeta = "SELECT value FROM roseyd_meta WHERE key = $1";

// Tells this writer's commit markers from any other's, across restarts.
std::string RandomMarkerPrefix() {
  std::random_device random;
  const uint64_t id = (uint64_t{random()} << 32) ^ random();
  char hex[17];
  *std::to_chars(hex, hex + 16, id, 16).ptr = '\0';
  return std::string(hex) + ":";
}

}  // namespace

PostgresWriter::PostgresWriter(const std::string& url, const std::string& stream)
    : stream_key_(StreamSeqKey(stream)),
      marker_prefix_(RandomMarkerPrefix()),
      conn_(url),
      events_(&conn_),
      chat_lines_(&conn_),
      maintenance_(&conn_),
      session_(&conn_),
      claim_(&conn_, stream_key_, RealClock()) {
  conn_.ConnectOrThrow();
  CreatePgSchema(&conn_, RealClock()->UnixNow());
  if (const Status s = PrepareStatements(); !s.ok()) {
    throw StartupError("store", conn_.redacted_url() + ": preparing statements: " + s.message());
  }
  (void)claim_.ReadStreamPosition(&stream_position_);  // 0 if unreadable, as for a new database
}

Status PostgresWriter::PrepareStatements() {
  // The claim lives as long as the server believes in this session. If the
  // network between them goes, the server would keep it for the OS default
  // of two hours of TCP keepalive; this lets it end the session (and so free
  // the claim for another roseyd) about 10 s after the link went quiet. No
  // effect over a unix socket.
  // The name marks writer sessions, so that a leader at its stop can see
  // another roseyd waiting to take over (SuccessorWaiting).
  if (Status s = conn_.Exec("SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 1; "
                            "SET tcp_keepalives_count = 5; SET tcp_user_timeout = 10000; "
                            "SET application_name = 'roseyd-writer'");
      !s.ok()) {
    return s;
  }
  if (Status s = events_.Prepare(); !s.ok()) return s;
  if (Status s = chat_lines_.Prepare(); !s.ok()) return s;
  if (Status s = conn_.Prepare("meta_one", kMetaOne); !s.ok()) return s;
  return conn_.Prepare("meta_two", kMetaTwo);
}

void PostgresWriter::NoteLoss(const Status& s) {
  if (lost_since_) return;
  lost_since_ = SteadyClock::now();
  if (claim_.state() != ClaimLease::State::kNone) {
    claim_.Suspend();  // the lock went with the session
    spdlog::warn("store: lost the connection to PostgreSQL ({}); reconnecting, then the batch "
                 "that failed is retried (if this roseyd can take the writer's claim again)",
                 s.message());
  } else {
    // A roseyd that does not write: its writer only tries for the claim.
    spdlog::warn("store: lost the connection to PostgreSQL ({}); reconnecting to try for the "
                 "writer's claim again (this roseyd does not write)",
                 s.message());
  }
}

Status PostgresWriter::EnsureConnected() {
  if (conn_.connected()) return Status::OK();
  if (!lost_since_) lost_since_ = SteadyClock::now();
  Status s = conn_.Connect();
  if (s.ok()) s = PrepareStatements();
  if (!s.ok()) {
    conn_.Drop();
    spdlog::debug("store: reconnecting failed: {}", s.message());
    return s;
  }
  spdlog::info("store: reconnected to {} after {:.1f} s", conn_.redacted_url(),
               std::chrono::duration<double>(SteadyClock::now() - *lost_since_).count());
  lost_since_.reset();
  return Status::OK();
}

bool PostgresWriter::TryClaim() {
  const ClaimLease::State state = claim_.state();
  if (state != ClaimLease::State::kNone) return state == ClaimLease::State::kHeld;
  bool taken = false;
  if (!EnsureConnected().ok()) return false;
  if (const Status s = claim_.Take(&taken, &stream_position_); !s.ok()) {
    if (!conn_.connected()) NoteLoss(s);
    return false;
  }
  return taken;
}

bool PostgresWriter::SuccessorWaiting() { return claim_.SuccessorWaiting(); }

Status PostgresWriter::Ready(bool* in_doubt_committed) {
  switch (claim_.state()) {
    case ClaimLease::State::kLost:
      return Status::Unavailable("this roseyd lost the writer's claim on " +
                                 conn_.redacted_url());
    case ClaimLease::State::kNone:
      // A lone writer (tests, tools) claims on its first write.
      if (!TryClaim()) {
        return Status::Unavailable("another roseyd holds the writer's claim on " +
                                   conn_.redacted_url());
      }
      break;
    case ClaimLease::State::kHeld:
    case ClaimLease::State::kSuspended:
      break;
  }
  if (Status s = EnsureConnected(); !s.ok()) return s;
  Status s;
  if (in_doubt_marker_) s = ResolveInDoubt(in_doubt_committed);
  if (s.ok() && claim_.state() == ClaimLease::State::kSuspended) s = claim_.Retake(stream_position_);
  if (!s.ok() && !conn_.connected() && claim_.state() != ClaimLease::State::kLost) NoteLoss(s);
  return s;
}

Status PostgresWriter::Heartbeat() {
  // A batch in doubt is the retry's to resolve; a lone writer that never
  // claimed has nothing to prove.
  const ClaimLease::State state = claim_.state();
  if (in_doubt_marker_ || state == ClaimLease::State::kNone ||
      state == ClaimLease::State::kLost) {
    return Status::OK();
  }
  if (Status s = Ready(nullptr); !s.ok()) return s;
  Status s = claim_.Heartbeat();
  if (!s.ok() && !conn_.connected()) NoteLoss(s);
  return s;
}

Status PostgresWriter::ResolveInDoubt(bool* committed) {
  const std::string key(kMetaLastCommit);
  params_.Clear();
  params_.Add(key);
  PgResult result;
  if (Status s = conn_.ExecParams(kGetMeta, params_, &result); !s.ok()) return s;
  const bool landed = result.rows() > 0 && result.Text(0, 0) == *in_doubt_marker_;
  in_doubt_marker_.reset();
  if (committed != nullptr) *committed = landed;
  if (landed) {
    uint64_t stored = 0;
    (void)claim_.ReadStreamPosition(&stored);  // unreadable: keep the position in hand
    stream_position_ = std::max(stream_position_, stored);
    spdlog::info("store: the batch whose COMMIT was in flight when the connection broke had "
                 "committed; it is not written again");
  }
  return Status::OK();
}

Status PostgresWriter::ApplyBatch(std::span<Event> batch, std::vector<RefusedEvent>* rejected) {
  const auto sent = claim_.clock()->Now();
  bool committed = false;  // the batch in doubt had committed
  if (Status s = Ready(&committed); !s.ok() || committed) return s;
  skip_.assign(batch.size(), 0);
  for (const RefusedEvent& r : *rejected) skip_[r.index] = 1;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!skip_[i] && HoldsNul(batch[i])) {
      skip_[i] = 1;
      rejected->push_back(RefusedEvent{
          i, Status::InvalidArgument("a text holds a NUL character, which PostgreSQL cannot "
                                     "store")});
    }
  }
  // Plugin writes other than kv.set run synchronously, between events.
  bool plugin_writes = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto* plugin = std::get_if<std::shared_ptr<PluginWrite>>(&batch[i].write);
    plugin_writes = plugin_writes ||
                    (plugin && !skip_[i] && !PgEventStatements::Pipelines(**plugin));
  }
  Status s;
  bool bulk = bulk_enabled_;
  for (int attempt = 0;; ++attempt) {
    if (attempt == kPipelinedAttempts || plugin_writes) {
      s = AttemptCarefully(batch, rejected);
      break;
    }
    std::optional<DataFailure> failure;
    s = AttemptPipelined(batch, bulk, rejected, &failure);
    if (!failure) break;
    if (failure->in_bulk) {
      bulk = false;
    } else if (auto* plugin = std::get_if<std::shared_ptr<PluginWrite>>(
                   &batch[failure->index].write)) {
      // A failed kv.set is its outcome, not a rejection; the rest commits.
      skip_[failure->index] = 1;
      (*plugin)->outcome.status = std::move(s);
    } else {
      skip_[failure->index] = 1;
      rejected->push_back(RefusedEvent{failure->index, std::move(s)});
    }
  }
  if (s.ok()) claim_.Prove(sent);
  if (!s.ok() && !conn_.connected()) NoteLoss(s);
  return s;
}

Status PostgresWriter::QueueEvent(std::span<Event> batch, size_t index,
                                  std::vector<RefusedEvent>* rejected) {
  int commands = 0;
  Status queued = events_.Queue(batch[index], &commands);
  commands_.insert(commands_.end(), static_cast<size_t>(commands), Owner{index, false});
  if (!IsPgDataError(queued)) return queued;
  skip_[index] = 1;  // refused before anything was sent
  rejected->push_back(RefusedEvent{index, std::move(queued)});
  return Status::OK();
}

Status PostgresWriter::QueueMeta(std::span<const Event> batch) {
  // Where durable intake resumes, in the same transaction as the rows; a
  // rejected event counts as read, since it is never retried.
  pending_position_ = 0;
  for (const Event& event : batch) pending_position_ = std::max(pending_position_, event.stream_seq);
  const std::string key(kMetaLastCommit);
  params_.Clear();
  params_.Add(key);
  params_.Add(marker_);
  commands_.push_back(Owner{kNoEvent, false});
  if (pending_position_ == 0) return conn_.SendPrepared("meta_one", params_);
  position_text_ = std::to_string(pending_position_);
  params_.Add(stream_key_);
  params_.Add(position_text_);
  return conn_.SendPrepared("meta_two", params_);
}

Status PostgresWriter::ReadResults(size_t from, std::optional<Owner>* failed_owner,
                                   bool* fate_unknown) {
  Status first;
  for (size_t k = from; k < commands_.size(); ++k) {
    bool aborted = false;
    Status s = conn_.NextResult(&aborted);
    if (!conn_.connected()) {
      *fate_unknown = first.ok();
      return first.ok() ? s : first;
    }
    if (!s.ok() && !aborted && first.ok()) {
      first = std::move(s);
      *failed_owner = commands_[k];
    }
  }
  if (Status s = conn_.AwaitSync(); !s.ok()) {
    *fate_unknown = first.ok();
    conn_.Drop();
    return first.ok() ? s : first;
  }
  return first;
}

Status PostgresWriter::SyncAndRead(size_t from, std::optional<Owner>* failed_owner,
                                   bool* fate_unknown) {
  if (Status s = conn_.Sync(); !s.ok()) {
    *fate_unknown = true;
    conn_.Drop();
    return s;
  }
  return ReadResults(from, failed_owner, fate_unknown);
}

void PostgresWriter::Abandon() {
  if (!conn_.connected()) return;
  PgParams none;
  if (!conn_.ExitPipeline().ok() || !conn_.ExecParams("ROLLBACK", none, nullptr).ok()) {
    conn_.Drop();
  }
}

Status PostgresWriter::AttemptPipelined(std::span<Event> batch, bool bulk,
                                        std::vector<RefusedEvent>* rejected,
                                        std::optional<DataFailure>* failure) {
  commands_.clear();
  marker_ = marker_prefix_ + std::to_string(++attempts_);
  const PgParams none;
  if (Status s = conn_.EnterPipeline(); !s.ok()) return s;
  commands_.push_back(Owner{kNoEvent, false});
  Status queued = conn_.SendQuery("BEGIN", none);
  chat_lines_.Clear();
  size_t first_line = kNoEvent;  // owns the bulk commands
  for (size_t i = 0; queued.ok() && i < batch.size(); ++i) {
    if (skip_[i]) continue;
    if (bulk && PgChatLines::Takes(batch[i])) {
      chat_lines_.Add(batch[i]);
      first_line = std::min(first_line, i);
      continue;
    }
    if (bulk) {
      // A join or leave writes the user's row: its pending lines go first.
      const auto* joined = std::get_if<UserJoined>(&batch[i].write);
      const auto* left = std::get_if<UserLeft>(&batch[i].write);
      if (joined != nullptr || left != nullptr) {
        int commands = 0;
        queued = chat_lines_.FlushUser(joined ? joined->username : left->username, &commands);
        commands_.insert(commands_.end(), static_cast<size_t>(commands), Owner{i, true});
        if (!queued.ok()) break;
      }
    }
    queued = QueueEvent(batch, i, rejected);
  }
  if (queued.ok() && bulk) {
    int commands = 0;
    queued = chat_lines_.FlushAll(&commands);
    commands_.insert(commands_.end(), static_cast<size_t>(commands), Owner{first_line, true});
  }
  if (queued.ok()) queued = QueueMeta(batch);
  if (queued.ok()) {
    commands_.push_back(Owner{kNoEvent, false});
    queued = conn_.SendQuery("COMMIT", none);
  }
  if (!queued.ok()) {
    conn_.Drop();  // a half-sent pipeline: start afresh
    return queued;
  }
  std::optional<Owner> failed;
  bool fate_unknown = false;
  Status s = test_loss_ == TestLoss::kBeforeSend ? Status::Unavailable("test: connection lost")
                                                 : SyncAndRead(0, &failed, &fate_unknown);
  if (s.ok() && test_loss_ == TestLoss::kAfterCommit) s = Status::Unavailable("test: lost");
  if (test_loss_ != TestLoss::kNone) {
    test_loss_ = TestLoss::kNone;
    fate_unknown = true;
    conn_.Drop();
  }
  if (!conn_.connected()) {
    if (fate_unknown) in_doubt_marker_ = marker_;
    return s;
  }
  if (s.ok()) {
    if (!conn_.ExitPipeline().ok()) conn_.Drop();  // committed all the same
    if (pending_position_ != 0) stream_position_ = pending_position_;
    return Status::OK();
  }
  Abandon();
  if (failed && failed->index != kNoEvent && IsPgDataError(s)) {
    *failure = DataFailure{failed->index, failed->in_bulk};
  }
  return s;
}

Status PostgresWriter::AttemptCarefully(std::span<Event> batch,
                                        std::vector<RefusedEvent>* rejected) {
  commands_.clear();
  marker_ = marker_prefix_ + std::to_string(++attempts_);
  const PgParams none;
  std::optional<Owner> failed;
  bool fate_unknown = false;
  if (Status s = conn_.EnterPipeline(); !s.ok()) return s;
  commands_.push_back(Owner{kNoEvent, false});
  Status s = conn_.SendQuery("BEGIN", none);
  if (s.ok()) s = SyncAndRead(0, &failed, &fate_unknown);
  for (size_t i = 0; s.ok() && i < batch.size(); ++i) {
    if (skip_[i]) continue;
    if (auto* plugin = std::get_if<std::shared_ptr<PluginWrite>>(&batch[i].write)) {
      s = ApplyPluginWriteBetween(plugin->get(), batch[i].unix_time);
      if (s.code() == Status::Code::kInvalidArgument) {  // it ended the transaction
        skip_[i] = 1;
        rejected->push_back(RefusedEvent{i, s});
      }
      continue;
    }
    const size_t from = commands_.size();
    commands_.push_back(Owner{kNoEvent, false});
    Status queued = conn_.SendQuery(kSavepoint, none);
    if (queued.ok()) queued = QueueEvent(batch, i, rejected);
    commands_.push_back(Owner{kNoEvent, false});
    if (queued.ok()) queued = conn_.SendQuery(kRelease, none);
    if (!queued.ok()) {
      conn_.Drop();
      return queued;
    }
    failed.reset();
    s = SyncAndRead(from, &failed, &fate_unknown);
    if (s.ok() || !conn_.connected() || !failed || failed->index != i || !IsPgDataError(s)) {
      continue;
    }
    skip_[i] = 1;
    rejected->push_back(RefusedEvent{i, std::move(s)});
    const size_t undo = commands_.size();
    commands_.insert(commands_.end(), 2, Owner{kNoEvent, false});
    s = conn_.SendQuery(kRollbackToSavepoint, none);
    if (s.ok()) s = conn_.SendQuery(kRelease, none);
    if (s.ok()) s = SyncAndRead(undo, &failed, &fate_unknown);
  }
  if (s.ok()) {
    const size_t from = commands_.size();
    s = QueueMeta(batch);
    commands_.push_back(Owner{kNoEvent, false});
    if (s.ok()) s = conn_.SendQuery("COMMIT", none);
    if (s.ok()) s = SyncAndRead(from, &failed, &fate_unknown);
    if (!conn_.connected() && fate_unknown) in_doubt_marker_ = marker_;
  }
  if (!s.ok()) {
    Abandon();
    return s;
  }
  if (!conn_.ExitPipeline().ok()) conn_.Drop();
  if (pending_position_ != 0) stream_position_ = pending_position_;
  return Status::OK();
}

Status PostgresWriter::ApplyPluginWriteBetween(PluginWrite* write, int64_t now) {
  if (Status s = conn_.ExitPipeline(); !s.ok()) return s;
  Status s = ApplyPluginWrite(&session_, write, now);
  // A write that failed as the connection broke is no data error: the batch is retried.
  if (!conn_.connected()) {
    return Status::Unavailable(conn_.redacted_url() + ": lost during a plugin write" +
                               (s.ok() ? "" : ": " + s.message()));
  }
  if (Status entered = conn_.EnterPipeline(); !entered.ok()) return entered;
  return s;
}

Status PostgresWriter::PurgeExpiredKeys(int64_t now, int64_t* purged) {
  *purged = 0;
  return Housekeep([&] {
    if (Status s = conn_.Exec("BEGIN"); !s.ok()) return s;
    Status s = store::PurgeExpiredKeys(&session_, now, purged);
    if (s.ok()) s = conn_.Exec("COMMIT");
    if (!s.ok() && conn_.connected() && !conn_.Exec("ROLLBACK").ok()) conn_.Drop();
    return s;
  });
}

Status PostgresWriter::Housekeep(const std::function<Status()>& work) {
  if (in_doubt_marker_) return Status::Unavailable("a batch in doubt is retried first");
  const auto sent = claim_.clock()->Now();
  if (Status s = Ready(nullptr); !s.ok()) return s;
  Status s = work();
  if (s.ok()) claim_.Prove(sent);
  if (!s.ok() && !conn_.connected()) NoteLoss(s);
  return s;
}

Status PostgresWriter::CloseSessions(int64_t now) {
  return Housekeep([&] { return maintenance_.CloseSessions(now); });
}

Status PostgresWriter::PruneRecentChat(int64_t cutoff) {
  return Housekeep([&] { return maintenance_.PruneRecentChat(cutoff); });
}

Status PostgresWriter::Maintain(int64_t now) {
  return Housekeep([&] { return maintenance_.Run(now); });
}

std::optional<int64_t> PostgresWriter::LastMaintenance() {
  if (!EnsureConnected().ok()) return std::nullopt;
  return maintenance_.LastRun();
}

}  // namespace roseyd::store
