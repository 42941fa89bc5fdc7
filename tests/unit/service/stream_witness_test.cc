// The witness's arithmetic: what the bus carried against where the stream
// ends, comparisons a second apart given in milliseconds.
#include "service/stream_witness.h"

#include <gtest/gtest.h>

namespace roseyd::service {
namespace {

using std::chrono::milliseconds;
using TimePoint = UnstoredTally::TimePoint;

TimePoint At(int64_t ms) { return TimePoint(milliseconds(ms)); }

TEST(UnstoredTallyTest, NothingIsCountedWhileTheStreamStoresWhatTheBusCarries) {
  UnstoredTally tally;
  // 20,000 events a second, a few dozen in flight at each look.
  for (int64_t s = 0; s < 20; ++s) {
    const int64_t witnessed = 20000 * s;
    EXPECT_FALSE(tally.Observe(witnessed, witnessed - (s % 3) * 30, At(1000 * s)));
  }
  EXPECT_FALSE(tally.Observe(400000, 400000, At(20000)));
  EXPECT_FALSE(tally.Observe(400000, 400000, At(21000)));  // quiet: exact, and none lost
}

TEST(UnstoredTallyTest, EventsTheStreamStoredButTheWitnessNeverSawAreNotALoss) {
  UnstoredTally tally;
  EXPECT_FALSE(tally.Observe(0, 5000, At(0)));  // a backlog from before the witness
  EXPECT_FALSE(tally.Observe(0, 5000, At(1000)));
  EXPECT_FALSE(tally.Observe(10, 6010, At(2000)));  // and another publisher it cannot see
  EXPECT_FALSE(tally.Observe(10, 6010, At(3000)));
}

TEST(UnstoredTallyTest, AnElectionUnderLoadIsCountedAtOnceAndSettledWhenQuiet) {
  UnstoredTally tally;
  EXPECT_FALSE(tally.Observe(0, 0, At(0)));
  EXPECT_FALSE(tally.Observe(20000, 19980, At(1000)));
  // No stream leader from 1.5 s to 6 s: the stream cannot be asked.
  EXPECT_FALSE(tally.Observe(40000, std::nullopt, At(2000)));
  EXPECT_FALSE(tally.Observe(100000, std::nullopt, At(5000)));
  // Back: 20,000 stored after the election, 90,000 not.
  EXPECT_FALSE(tally.Observe(120000, 29990, At(7000)));
  EXPECT_FALSE(tally.Observe(140000, 49970, At(8000)));
  const auto loss = tally.Observe(160000, 69980, At(9000));  // three looks agree
  ASSERT_TRUE(loss);
  EXPECT_NEAR(static_cast<double>(loss->events), 90000, 100);
  EXPECT_EQ(loss->since, At(2000));
  EXPECT_DOUBLE_EQ(loss->unanswered_s, 5.0);
  // Quiet after: nothing more (the count was 10 over the exact 90,000, and stays).
  EXPECT_FALSE(tally.Observe(160000, 70000, At(10000)));
  EXPECT_FALSE(tally.Observe(160000, 70000, At(11000)));
}

// Measured: the loss came before any quiet comparison, and the publisher
// stopped during the election, so the first answers after it are quiet.
TEST(UnstoredTallyTest, ALossBeforeAnyQuietComparisonIsCountedWhenQuiet) {
  UnstoredTally tally;
  EXPECT_FALSE(tally.Observe(12080, 12120, At(1000)));
  EXPECT_FALSE(tally.Observe(24620, std::nullopt, At(7000)));
  EXPECT_FALSE(tally.Observe(60000, 20022, At(8000)));
  const auto loss = tally.Observe(60000, 20022, At(9000));
  ASSERT_TRUE(loss);
  EXPECT_EQ(loss->events, 39978 + 40);  // the first look's 40 in flight, the other way
  EXPECT_EQ(loss->since, At(7000));
  EXPECT_FALSE(tally.Observe(60000, 20022, At(10000)));
}

TEST(UnstoredTallyTest, AFewLostEventsOfAQuietChannelAreCountedExactly) {
  UnstoredTally tally;
  EXPECT_FALSE(tally.Observe(100, 100, At(0)));
  EXPECT_FALSE(tally.Observe(100, 100, At(1000)));  // quiet: the exact gap is 0
  EXPECT_FALSE(tally.Observe(107, std::nullopt, At(2000)));
  EXPECT_FALSE(tally.Observe(112, 100, At(8000)));  // 12 carried, none stored: under the slack
  const auto loss = tally.Observe(112, 100, At(9000));  // quiet again: exact
  ASSERT_TRUE(loss);
  EXPECT_EQ(loss->events, 12);
  EXPECT_EQ(loss->since, At(2000));
  EXPECT_FALSE(tally.Observe(112, 100, At(10000))) << "counted once";
  EXPECT_FALSE(tally.Observe(115, 103, At(11000)));
  EXPECT_FALSE(tally.Observe(115, 103, At(12000)));
}

}  // namespace
}  // namespace roseyd::service
