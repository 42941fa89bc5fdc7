#pragma once

#include <chrono>

#include "store/store.h"

namespace roseyd::service {

// The part a roseyd plays on a shared store, and when it changes: a
// follower that takes the claim leads; a leader whose claim is lost (its
// session ended and another may have written) steps down and follows; a
// leader that cannot prove its claim within its lease (a slow or unreachable
// database, or a process that was stopped) pauses: it reports
// roseyd_store_leader 0 and its writes are refused at once, and it resumes
// once its claim is proven again. Under durable intake, whose events wait
// in the stream, a pause longer than kPauseLimit becomes a step down, so
// that write requests go to whichever roseyd leads next; on core NATS the
// paused leader keeps its queue and subscriptions, since the events it would
// drop have nowhere else to wait.
//
// It decides; ServiceHost acts. Time comes in with each call, so that unit
// tests drive it in milliseconds without a clock or a database.
//
// Thread: not thread-safe (the host's watcher thread, under its lock).
class RoleMachine {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  static constexpr std::chrono::milliseconds kPauseLimit{1000};

  enum class Role { kFollowing, kLeading, kPaused, kStopped };
  enum class Change { kNone, kTakeOver, kPause, kResume, kStepDown };

  RoleMachine(Role start, bool durable) : role_(start), durable_(durable) {}

  // A follower tried for the claim: kTakeOver if it took it.
  Change OnTried(bool taken);
  // A leader (leading or paused) looked at its writer's claim at `now`.
  Change OnClaim(const store::ClaimView& claim, TimePoint now);
  // The host stops: no change after this.
  void Stop() { role_ = Role::kStopped; }

  Role role() const { return role_; }
  bool following() const { return role_ == Role::kFollowing; }
  bool leading_or_paused() const { return role_ == Role::kLeading || role_ == Role::kPaused; }
  // Until when roseyd_store_leader may say 1: the lease of the last claim
  // seen while leading; the steady clock's minimum otherwise.
  TimePoint leader_until() const { return leader_until_; }

 private:
  Role role_;
  bool durable_;
  TimePoint paused_since_{};
  TimePoint leader_until_ = TimePoint::min();
};

const char* RoleName(RoleMachine::Role role);

}  // namespace roseyd::service
