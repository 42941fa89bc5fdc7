#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/clock.h"
#include "store/postgres/pg_connection.h"
#include "store/store.h"

namespace roseyd::store {

// The lease half of the writer's claim, without PostgreSQL: what the claim
// is now, and until when this writer may believe it holds it. A held claim
// is good for kLease after the last round trip that proved the session
// alive was sent; past that, Claim() says so at once, even if nothing ran in
// between (a process stopped with SIGSTOP wakes to an expired lease, not to
// a stale "held").
//
// Thread: View from any thread; the rest from the writer thread.
class ClaimLease {
 public:
  // A leader's proof lasts this long. Another roseyd ends a session that
  // has been silent for HungHolderWatch::kSilence (longer), so a lease has
  // always run out before another can take the claim over.
  static constexpr std::chrono::milliseconds kLease{1000};

  enum class State {
    kNone,       // never claimed
    kHeld,       // this writer's session holds the lock
    kSuspended,  // that session ended; the claim may be taken again
    kLost,       // another may have written: never again
  };

  State state() const { return state_.load(std::memory_order_acquire); }
  // Took the lock (or took it again and the stream position was where this
  // writer left it): held, proven at `sent_at`.
  void Hold(Clock::TimePoint sent_at);
  // A round trip sent at `sent_at` succeeded on the session holding it.
  void Prove(Clock::TimePoint sent_at);
  void Suspend();
  void Lose();
  // When the lease was last proven.
  Clock::TimePoint proven_at() const;
  ClaimView View() const;

 private:
  std::atomic<State> state_{State::kNone};
  std::atomic<int64_t> proven_ns_{0};  // Clock::TimePoint, since its epoch
};

// Tells a hung leader from a busy one, from what the database says of the
// session holding the lock: how long it has been waiting for its client
// (pg_stat_activity's state_change, while its wait is of type Client). A live
// leader talks at least every kHeartbeat; one silent for kSilence, seen so
// twice at least kConfirm apart with no activity in between, is hung (a
// stopped process, a cut network) and its session may be ended.
//
// Thread: one thread.
class HungHolderWatch {
 public:
  static constexpr std::chrono::milliseconds kHeartbeat{250};
  static constexpr std::chrono::milliseconds kSilence{1500};
  static constexpr std::chrono::milliseconds kConfirm{300};

  struct Holder {
    int64_t pid = 0;
    int64_t state_change_us = 0;  // the server's, as a token: unchanged means silent
    std::chrono::milliseconds silent{0};
  };

  // `holder`: the lock's holder as seen at `now`, or nullopt if it is busy
  // (not waiting on its client) or none holds the lock. True: end it.
  bool Observe(const std::optional<Holder>& holder, Clock::TimePoint now);

 private:
  std::optional<Holder> first_;  // silent long enough, awaiting confirmation
  Clock::TimePoint first_at_{};
};

// The writer's claim on a PostgreSQL store: a session-level advisory lock
// held by the writer's own session ("roseyd.w" in ASCII), so that whatever
// ends the session (a crash, a cut connection, pg_terminate_backend) ends
// the claim with it; fencing by the stream position when it is taken again;
// and the lease (ClaimLease) that the writer renews with each round trip or
// heartbeat. A roseyd trying for the claim while another holds it ends the
// holder's session if HungHolderWatch finds it hung, so a stopped leader is
// replaced in about two seconds.
//
// Why not idle_session_timeout or a lease row: the server's timeouts do not
// fire while a session sits in the middle of a pipeline, which is where a
// busy writer spends its time; a lease row would write every heartbeat to
// the WAL and be a second truth beside the lock. pg_stat_activity reads
// what the server already knows, and ending the session frees the lock.
//
// Thread: the writer thread, on *conn; View from any thread.
class PgClaim {
 public:
  // `stream_key`: the roseyd_meta key of the stream position.
  PgClaim(PgConnection* conn, std::string stream_key, Clock* clock);

  ClaimLease::State state() const { return lease_.state(); }
  ClaimView View() const { return lease_.View(); }
  Clock* clock() const { return clock_; }

  // Tries to take the lock on the connected session; if another holds it and
  // is hung, ends that session and tries again. *taken and *position (the
  // stream position the database holds) on success.
  Status Take(bool* taken, uint64_t* position);
  // After a reconnect while held: takes the lock again and checks that the
  // stream position is still `position`, else the claim is lost for good.
  Status Retake(uint64_t position);
  // The session ended (a lost connection): suspended until Retake.
  void Suspend();
  // Gives the claim up for good and drops the connection; logs `why` and
  // returns the error every later write gets.
  Status Lose(std::string_view why);
  // A round trip sent at `sent_at` succeeded on the holding session.
  void Prove(Clock::TimePoint sent_at);
  // Proves the session alive with a round trip if the last proof is older
  // than HungHolderWatch::kHeartbeat. REQUIRES: held and connected.
  Status Heartbeat();
  // Whether another roseyd's writer is connected, waiting to take over.
  bool SuccessorWaiting();
  // The stream position roseyd_meta holds (0 when none is recorded).
  Status ReadStreamPosition(uint64_t* position);

 private:
  Status TakeLock(bool* taken);
  // Ends the holder's session if the watch finds it hung; *ended if so.
  Status EndHungHolder(bool* ended);

  PgConnection* const conn_;
  const std::string stream_key_;
  Clock* const clock_;
  ClaimLease lease_;
  HungHolderWatch watch_;
  bool end_failed_logged_ = false;
};

}  // namespace roseyd::store
