#include "service/role_machine.h"

namespace roseyd::service {

RoleMachine::Change RoleMachine::OnTried(bool taken) {
  if (role_ != Role::kFollowing || !taken) return Change::kNone;
  role_ = Role::kLeading;
  leader_until_ = TimePoint::max();  // until its writer's first claim is seen
  return Change::kTakeOver;
}

RoleMachine::Change RoleMachine::OnClaim(const store::ClaimView& claim, TimePoint now) {
  if (!leading_or_paused()) return Change::kNone;
  const bool held = claim.HeldAt(now);
  leader_until_ = held ? claim.held_until : TimePoint::min();
  if (claim.lost || (role_ == Role::kPaused && !held && durable_ &&
                     now - paused_since_ >= kPauseLimit)) {
    role_ = Role::kFollowing;
    leader_until_ = TimePoint::min();
    return Change::kStepDown;
  }
  if (role_ == Role::kLeading && !held) {
    role_ = Role::kPaused;
    paused_since_ = now;
    return Change::kPause;
  }
  if (role_ == Role::kPaused && held) {
    role_ = Role::kLeading;
    return Change::kResume;
  }
  return Change::kNone;
}

const char* RoleName(RoleMachine::Role role) {
  switch (role) {
    case RoleMachine::Role::kFollowing:
      return "following";
    case RoleMachine::Role::kLeading:
      return "leading";
    case RoleMachine::Role::kPaused:
      return "paused";
    case RoleMachine::Role::kStopped:
      return "stopped";
  }
  return "?";
}

}  // namespace roseyd::service
