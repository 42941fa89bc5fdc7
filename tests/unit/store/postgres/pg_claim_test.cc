// The claim's lease and the hung-leader watch, without PostgreSQL: times are
// given in milliseconds on a steady-clock origin, as a fake clock would.
#include "store/postgres/pg_claim.h"

#include <gtest/gtest.h>

namespace roseyd::store {
namespace {

using std::chrono::milliseconds;
using State = ClaimLease::State;

Clock::TimePoint At(int64_t ms) { return Clock::TimePoint(milliseconds(ms)); }

TEST(ClaimLeaseTest, ALoneWriterThatNeverClaimedIsNotRefused) {
  ClaimLease lease;
  EXPECT_EQ(lease.state(), State::kNone);
  EXPECT_TRUE(lease.View().HeldAt(At(1'000'000)));
  EXPECT_FALSE(lease.View().lost);
}

TEST(ClaimLeaseTest, AHeldClaimLastsOneLeaseAfterItsLastProof) {
  ClaimLease lease;
  lease.Hold(At(1000));
  EXPECT_TRUE(lease.View().HeldAt(At(1000)));
  EXPECT_TRUE(lease.View().HeldAt(At(1999)));
  EXPECT_FALSE(lease.View().HeldAt(At(2000)));  // a process stopped for a second wakes unheld
  lease.Prove(At(1800));
  EXPECT_TRUE(lease.View().HeldAt(At(2799)));
  EXPECT_FALSE(lease.View().HeldAt(At(2800)));
}

TEST(ClaimLeaseTest, AnOlderProofNeverShortensTheLease) {
  ClaimLease lease;
  lease.Hold(At(1000));
  lease.Prove(At(1500));
  lease.Prove(At(1200));  // sent earlier, answered later
  EXPECT_EQ(lease.proven_at(), At(1500));
}

TEST(ClaimLeaseTest, ALostSessionSuspendsAtOnceAndATakingAgainHolds) {
  ClaimLease lease;
  lease.Hold(At(1000));
  lease.Suspend();
  EXPECT_EQ(lease.state(), State::kSuspended);
  EXPECT_FALSE(lease.View().HeldAt(At(1001)));
  EXPECT_FALSE(lease.View().lost);
  lease.Prove(At(1100));  // a proof on no session holds nothing
  EXPECT_FALSE(lease.View().HeldAt(At(1101)));
  lease.Hold(At(1200));
  EXPECT_TRUE(lease.View().HeldAt(At(1201)));
}

TEST(ClaimLeaseTest, ALostClaimIsLostForGood) {
  ClaimLease lease;
  lease.Hold(At(1000));
  lease.Lose();
  EXPECT_TRUE(lease.View().lost);
  EXPECT_FALSE(lease.View().HeldAt(At(1001)));
  lease.Suspend();  // a later connection loss changes nothing
  lease.Prove(At(1100));
  EXPECT_EQ(lease.state(), State::kLost);
}

TEST(ClaimLeaseTest, TheLeaseRunsOutBeforeAnotherMayTakeOver) {
  // The hung-leader watch waits for kSilence of silence, confirmed kConfirm
  // later; the leader stops believing in its claim kLease after its last proof.
  EXPECT_LT(ClaimLease::kLease, HungHolderWatch::kSilence);
  EXPECT_LT(HungHolderWatch::kHeartbeat * 2, ClaimLease::kLease);
  EXPECT_LE(HungHolderWatch::kSilence + HungHolderWatch::kConfirm, milliseconds(2000))
      << "a hung leader must be replaced within 3 s, with room for the takeover";
}

using Holder = HungHolderWatch::Holder;

TEST(HungHolderWatchTest, ABusyOrTalkingHolderIsNeverEnded) {
  HungHolderWatch watch;
  EXPECT_FALSE(watch.Observe(std::nullopt, At(0)));  // busy (not waiting on its client)
  for (int64_t t = 0; t < 10'000; t += 100) {
    // A live leader's heartbeat keeps its silence short.
    EXPECT_FALSE(watch.Observe(Holder{7, t * 1000, milliseconds(t % 250)}, At(t)));
  }
}

TEST(HungHolderWatchTest, AHolderSilentTooLongIsEndedOnceConfirmed) {
  HungHolderWatch watch;
  const Holder hung{7, 42, milliseconds(1500)};
  EXPECT_FALSE(watch.Observe(hung, At(5000)));  // first seen silent
  EXPECT_FALSE(watch.Observe(Holder{7, 42, milliseconds(1600)}, At(5100)));
  EXPECT_FALSE(watch.Observe(Holder{7, 42, milliseconds(1799)}, At(5299)));
  EXPECT_TRUE(watch.Observe(Holder{7, 42, milliseconds(1800)}, At(5300)));
}

TEST(HungHolderWatchTest, ActivityBetweenTheTwoLooksStartsAgain) {
  HungHolderWatch watch;
  EXPECT_FALSE(watch.Observe(Holder{7, 42, milliseconds(1500)}, At(5000)));
  // It spoke in between (a slow heartbeat, a database that was itself paused).
  EXPECT_FALSE(watch.Observe(Holder{7, 43, milliseconds(1500)}, At(5300)));
  EXPECT_FALSE(watch.Observe(Holder{7, 43, milliseconds(1700)}, At(5500)));
  EXPECT_TRUE(watch.Observe(Holder{7, 43, milliseconds(1800)}, At(5600)));
}

TEST(HungHolderWatchTest, ANewHolderOrABusyOneStartsAgain) {
  HungHolderWatch watch;
  EXPECT_FALSE(watch.Observe(Holder{7, 42, milliseconds(1500)}, At(5000)));
  EXPECT_FALSE(watch.Observe(Holder{8, 42, milliseconds(1800)}, At(5300)));  // another pid
  EXPECT_FALSE(watch.Observe(std::nullopt, At(5400)));                       // busy now
  EXPECT_FALSE(watch.Observe(Holder{8, 42, milliseconds(1900)}, At(5500)));
  EXPECT_TRUE(watch.Observe(Holder{8, 42, milliseconds(2200)}, At(5800)));
}

}  // namespace
}  // namespace roseyd::store
