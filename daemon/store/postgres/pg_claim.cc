#include "store/postgres/pg_claim.h"

#include <utility>

#include <spdlog/spdlog.h>

namespace roseyd::store {
namespace {

using std::chrono::milliseconds;

// The advisory lock's key, 0x726f736579642e77 ("roseyd.w"); pg_locks shows
// a bigint key as its high and low halves.
constexpr const char* kTryLock = "SELECT pg_try_advisory_lock(8245936322404167287)::int";

// The lock's holder if it waits on its client (idle, idle in a transaction
// or in the middle of a pipeline), with how long since it last did anything.
// Advisory locks are per database: another database's roseyd on the same
// server holds a lock of the same key that is not this one's.
constexpr const char* kSilentHolder =
    "SELECT a.pid,"
    " (EXTRACT(EPOCH FROM a.state_change) * 1000000)::bigint,"
    " (EXTRACT(EPOCH FROM clock_timestamp() - a.state_change) * 1000)::bigint"
    " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 1919906661"
    " AND l.objid = 2036608631 AND l.objsubid = 1"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND a.wait_event_type = 'Client'";

// Waits up to 1 s for the ended session to go, and with it the lock.
constexpr const char* kEndSession = "SELECT pg_terminate_backend($1, 1000)::int";

constexpr const char* kGetMeta = "SELECT value FROM roseyd_meta WHERE key = $1";

int64_t Nanos(Clock::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

void ClaimLease::Hold(Clock::TimePoint sent_at) {
  proven_ns_.store(Nanos(sent_at), std::memory_order_release);
  state_.store(State::kHeld, std::memory_order_release);
}

void ClaimLease::Prove(Clock::TimePoint sent_at) {
  if (state() != State::kHeld) return;  // a proof for a session that no longer holds it
  int64_t seen = proven_ns_.load(std::memory_order_acquire);
  const int64_t ns = Nanos(sent_at);
  while (seen < ns && !proven_ns_.compare_exchange_weak(seen, ns, std::memory_order_acq_rel)) {
  }
}

void ClaimLease::Suspend() {
  if (state() == State::kHeld) state_.store(State::kSuspended, std::memory_order_release);
}

void ClaimLease::Lose() { state_.store(State::kLost, std::memory_order_release); }

Clock::TimePoint ClaimLease::proven_at() const {
  return Clock::TimePoint(std::chrono::nanoseconds(proven_ns_.load(std::memory_order_acquire)));
}

ClaimView ClaimLease::View() const {
  ClaimView view;
  switch (state()) {
    case State::kNone:  // a lone writer claims on its first write
      break;
    case State::kHeld:
      view.held_until = proven_at() + kLease;
      break;
    case State::kSuspended:
      view.held_until = Clock::TimePoint::min();
      break;
    case State::kLost:
      view.lost = true;
      view.held_until = Clock::TimePoint::min();
      break;
  }
  return view;
}

bool HungHolderWatch::Observe(const std::optional<Holder>& holder, Clock::TimePoint now) {
  if (!holder || holder->silent < kSilence) {
    first_.reset();
    return false;
  }
  if (!first_ || first_->pid != holder->pid ||
      first_->state_change_us != holder->state_change_us) {
    first_ = holder;  // silent, but seen so for the first time
    first_at_ = now;
    return false;
  }
  return now - first_at_ >= kConfirm;
}

PgClaim::PgClaim(PgConnection* conn, std::string stream_key, Clock* clock)
    : conn_(conn), stream_key_(std::move(stream_key)), clock_(clock) {}

Status PgClaim::TakeLock(bool* taken) {
  PgParams none;
  PgResult result;
  if (Status s = conn_->ExecParams(kTryLock, none, &result); !s.ok()) return s;
  *taken = result.rows() > 0 && result.Int64(0, 0) == 1;
  return Status::OK();
}

Status PgClaim::EndHungHolder(bool* ended) {
  *ended = false;
  PgParams none;
  PgResult result;
  if (Status s = conn_->ExecParams(kSilentHolder, none, &result); !s.ok()) return s;
  std::optional<HungHolderWatch::Holder> holder;
  if (result.rows() > 0) {
    holder = HungHolderWatch::Holder{result.Int64(0, 0), result.Int64(0, 1),
                                     milliseconds(result.Int64(0, 2))};
  }
  if (!watch_.Observe(holder, clock_->Now())) return Status::OK();
  // Tried every claim interval while the holder stays hung: once ending it
  // has been refused (below), the attempts go to the debug log.
  spdlog::log(
      end_failed_logged_ ? spdlog::level::debug : spdlog::level::warn,
      "store: the roseyd that writes to {} has not been heard from for {:.1f} s (its session, "
      "PostgreSQL backend {}, waits on it); ending that session to take the writer's claim over",
      conn_->redacted_url(), static_cast<double>(holder->silent.count()) / 1000, holder->pid);
  PgParams params;
  params.Add(holder->pid);
  if (Status s = conn_->ExecParams(kEndSession, params, &result); !s.ok()) {
    // Most likely a role that may not end another's session: said once.
    if (!end_failed_logged_ && conn_->connected()) {
      spdlog::error("store: cannot end the hung writer's session ({}); run every roseyd as one "
                    "PostgreSQL role, or grant theirs pg_signal_backend",
                    s.message());
      end_failed_logged_ = true;
    }
    return s;
  }
  *ended = result.rows() > 0 && result.Int64(0, 0) == 1;
  return Status::OK();
}

Status PgClaim::Take(bool* taken, uint64_t* position) {
  const auto sent = clock_->Now();
  if (Status s = TakeLock(taken); !s.ok()) return s;
  if (!*taken) {
    bool ended = false;
    if (Status s = EndHungHolder(&ended); !s.ok() || !ended) return s;
    if (Status s = TakeLock(taken); !s.ok() || !*taken) return s;
  }
  // Whoever held the claim before may have moved the stream position on.
  if (Status s = ReadStreamPosition(position); !s.ok()) {
    conn_->Drop();  // the lock goes with the session: try again from scratch
    *taken = false;
    return s;
  }
  lease_.Hold(sent);
  return Status::OK();
}

Status PgClaim::Retake(uint64_t position) {
  const auto sent = clock_->Now();
  bool taken = false;
  if (Status s = TakeLock(&taken); !s.ok()) return s;
  if (!taken) return Lose("another roseyd took the writer's claim while the connection was down");
  // Fencing: if another writer moved the stream position while the claim
  // was free, what this writer holds repeats what it wrote.
  uint64_t stored = 0;
  if (Status s = ReadStreamPosition(&stored); !s.ok()) return s;
  if (stored != position) {
    return Lose("another roseyd wrote stream events while the connection was down");
  }
  lease_.Hold(sent);
  return Status::OK();
}

void PgClaim::Suspend() { lease_.Suspend(); }

Status PgClaim::Lose(std::string_view why) {
  lease_.Lose();
  conn_->Drop();  // releases the lock if this session still held it
  spdlog::error("store: this roseyd no longer writes to {}: {}", conn_->redacted_url(), why);
  return Status::Unavailable("lost the writer's claim: " + std::string(why));
}

void PgClaim::Prove(Clock::TimePoint sent_at) { lease_.Prove(sent_at); }

Status PgClaim::Heartbeat() {
  const auto now = clock_->Now();
  if (now - lease_.proven_at() < HungHolderWatch::kHeartbeat) return Status::OK();
  if (Status s = conn_->Exec("SELECT 1"); !s.ok()) return s;
  lease_.Prove(now);
  return Status::OK();
}

bool PgClaim::SuccessorWaiting() {
  if (!conn_->connected()) return false;
  PgParams none;
  PgResult result;
  const Status s = conn_->ExecParams(
      "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
      " AND application_name = 'roseyd-writer' AND pid <> pg_backend_pid()",
      none, &result);
  if (!s.ok()) {
    spdlog::warn("store: cannot tell whether another roseyd waits to write ({}); closing the "
                 "open user sessions as a lone roseyd does",
                 s.ToString());
    return false;
  }
  return result.Int64(0, 0) > 0;
}

Status PgClaim::ReadStreamPosition(uint64_t* position) {
  PgParams params;
  params.Add(stream_key_);
  PgResult result;
  if (Status s = conn_->ExecParams(kGetMeta, params, &result); !s.ok()) return s;
  *position = result.rows() > 0 ? static_cast<uint64_t>(result.Int64(0, 0)) : 0;
  return Status::OK();
}

}  // namespace roseyd::store
