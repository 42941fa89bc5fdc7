// Every change of role on a shared store, driven by a fake claim and times
// in milliseconds: no clock, no database.
#include "service/role_machine.h"

#include <gtest/gtest.h>

namespace roseyd::service {
namespace {

using std::chrono::milliseconds;
using Change = RoleMachine::Change;
using Role = RoleMachine::Role;
using TimePoint = RoleMachine::TimePoint;

TimePoint At(int64_t ms) { return TimePoint(milliseconds(ms)); }

// What a writer's claim would say: proven at some time, good for a lease of
// one second, or lost for good.
struct FakeClaim {
  TimePoint proven_at = At(0);
  bool suspended = false;  // its session ended; not yet taken again
  bool lost = false;

  store::ClaimView View() const {
    store::ClaimView view;
    view.lost = lost;
    view.held_until = (lost || suspended) ? TimePoint::min() : proven_at + milliseconds(1000);
    return view;
  }
};

TEST(RoleMachineTest, AFollowerLeadsWhenItTakesTheClaimAndNotBefore) {
  RoleMachine machine(Role::kFollowing, /*durable=*/true);
  EXPECT_EQ(machine.OnTried(false), Change::kNone);
  EXPECT_EQ(machine.role(), Role::kFollowing);
  EXPECT_EQ(machine.leader_until(), TimePoint::min());
  EXPECT_EQ(machine.OnTried(true), Change::kTakeOver);
  EXPECT_EQ(machine.role(), Role::kLeading);
  EXPECT_EQ(machine.OnTried(true), Change::kNone) << "a leader does not take over again";
}

TEST(RoleMachineTest, ALeaderReportsItselfUntilItsLeaseEnds) {
  RoleMachine machine(Role::kLeading, true);
  FakeClaim claim{At(500)};
  EXPECT_EQ(machine.OnClaim(claim.View(), At(600)), Change::kNone);
  EXPECT_EQ(machine.leader_until(), At(1500));
  claim.proven_at = At(900);
  EXPECT_EQ(machine.OnClaim(claim.View(), At(1000)), Change::kNone);
  EXPECT_EQ(machine.leader_until(), At(1900));
}

TEST(RoleMachineTest, ALostSessionPausesAtOnceAndATakingAgainResumes) {
  RoleMachine machine(Role::kLeading, /*durable=*/false);
  FakeClaim claim{At(1000)};
  EXPECT_EQ(machine.OnClaim(claim.View(), At(1100)), Change::kNone);
  claim.suspended = true;  // PostgreSQL restarted: the lock went with the session
  EXPECT_EQ(machine.OnClaim(claim.View(), At(1200)), Change::kPause);
  EXPECT_EQ(machine.role(), Role::kPaused);
  EXPECT_EQ(machine.leader_until(), TimePoint::min());
  // On core NATS a pause lasts as long as it must: its events have nowhere else to wait.
  EXPECT_EQ(machine.OnClaim(claim.View(), At(60'000)), Change::kNone);
  claim = FakeClaim{At(60'100)};  // reconnected, took the lock, the position unchanged
  EXPECT_EQ(machine.OnClaim(claim.View(), At(60'150)), Change::kResume);
  EXPECT_EQ(machine.role(), Role::kLeading);
  EXPECT_EQ(machine.leader_until(), At(61'100));
}

TEST(RoleMachineTest, UnderDurableIntakeAPauseLongerThanTheLimitStepsDown) {
  RoleMachine machine(Role::kLeading, /*durable=*/true);
  FakeClaim claim{At(1000)};
  EXPECT_EQ(machine.OnClaim(claim.View(), At(1900)), Change::kNone);
  EXPECT_EQ(machine.OnClaim(claim.View(), At(2000)), Change::kPause);  // the lease ran out
  EXPECT_EQ(machine.OnClaim(claim.View(), At(2999)), Change::kNone);
  EXPECT_EQ(machine.OnClaim(claim.View(), At(3000)), Change::kStepDown);
  EXPECT_EQ(machine.role(), Role::kFollowing);
  EXPECT_EQ(machine.leader_until(), TimePoint::min());
}

TEST(RoleMachineTest, ALostClaimStepsDownFromLeadingOrPaused) {
  RoleMachine leading(Role::kLeading, false);
  FakeClaim claim{At(1000)};
  claim.lost = true;  // another roseyd took the lock, or wrote, while the session was down
  EXPECT_EQ(leading.OnClaim(claim.View(), At(1100)), Change::kStepDown);
  EXPECT_EQ(leading.role(), Role::kFollowing);

  RoleMachine paused(Role::kLeading, false);
  claim.lost = false;
  claim.suspended = true;
  EXPECT_EQ(paused.OnClaim(claim.View(), At(1100)), Change::kPause);
  claim.lost = true;
  EXPECT_EQ(paused.OnClaim(claim.View(), At(1200)), Change::kStepDown);
  EXPECT_EQ(paused.role(), Role::kFollowing);
}

// The leader is stopped (SIGSTOP) for 5 s. Another roseyd ends its session
// and leads. When it wakes, the first look at its claim finds the lease long
// gone: it pauses before anything else, and steps down once its writer finds
// the claim lost; it then follows and may lead again later.
TEST(RoleMachineTest, AHungLeaderWakesPausedThenFollowsAndMayLeadAgain) {
  RoleMachine machine(Role::kLeading, /*durable=*/true);
  FakeClaim claim{At(10'000)};
  EXPECT_EQ(machine.OnClaim(claim.View(), At(10'050)), Change::kNone);
  // Frozen from 10.05 s to 15.05 s: no call at all in between.
  EXPECT_EQ(machine.OnClaim(claim.View(), At(15'050)), Change::kPause);
  EXPECT_EQ(machine.leader_until(), TimePoint::min());
  claim.lost = true;  // its next query found the session ended and the lock taken
  EXPECT_EQ(machine.OnClaim(claim.View(), At(15'060)), Change::kStepDown);
  EXPECT_EQ(machine.OnTried(false), Change::kNone);
  EXPECT_EQ(machine.OnTried(true), Change::kTakeOver);  // the other stopped later
  EXPECT_EQ(machine.OnClaim(FakeClaim{At(20'000)}.View(), At(20'010)), Change::kNone);
  EXPECT_EQ(machine.role(), Role::kLeading);
}

TEST(RoleMachineTest, AStoppedMachineChangesNothing) {
  RoleMachine machine(Role::kLeading, true);
  machine.Stop();
  FakeClaim claim;
  claim.lost = true;
  EXPECT_EQ(machine.OnClaim(claim.View(), At(1)), Change::kNone);
  EXPECT_EQ(machine.OnTried(true), Change::kNone);
  EXPECT_EQ(machine.role(), Role::kStopped);
  EXPECT_STREQ(RoleName(machine.role()), "stopped");
}

TEST(RoleMachineTest, AStoreOneProcessHasToItselfAlwaysLeads) {
  RoleMachine machine(Role::kLeading, false);
  const store::ClaimView sqlite;  // held until the end of time
  EXPECT_EQ(machine.OnClaim(sqlite, At(1'000'000'000)), Change::kNone);
  EXPECT_EQ(machine.leader_until(), TimePoint::max());
}

}  // namespace
}  // namespace roseyd::service
