// The witness's ledger: events seen on the bus matched against the stream's
// deliveries, judged at checkpoints given in milliseconds.
#include "service/stream_ledger.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace roseyd::service {
namespace {

using std::chrono::milliseconds;
using TimePoint = StreamLedger::TimePoint;

TimePoint At(int64_t ms) { return TimePoint(milliseconds(ms)); }

std::string Line(int i) { return R"({"username":"load","message":"line )" + std::to_string(i) + "\"}"; }

constexpr const char* kSubject = "rosey.db.message.log";

std::vector<std::string> Payloads(const std::vector<StreamLedger::Event>& events) {
  std::vector<std::string> payloads;
  for (const auto& e : events) payloads.push_back(e.payload);
  return payloads;
}

TEST(StreamLedgerTest, WhatTheStreamDeliveredIsNotUnstored) {
  StreamLedger ledger;
  ledger.Begin(0);
  for (int i = 0; i < 100; ++i) {
    ledger.Witnessed(kSubject, Line(i), At(i));
    ledger.Delivered(kSubject, Line(i), i + 1, At(i + 2));
  }
  ledger.Checkpoint(100, At(1000));
  EXPECT_TRUE(ledger.TakeUnstored().empty());
  EXPECT_EQ(ledger.Pending(), 0u);
}

TEST(StreamLedgerTest, ADeliveryBeforeItsWitnessStillMatches) {
  StreamLedger ledger;
  ledger.Begin(0);
  ledger.Delivered(kSubject, Line(1), 1, At(0));
  ledger.Witnessed(kSubject, Line(1), At(1));
  ledger.Checkpoint(1, At(1000));
  EXPECT_TRUE(ledger.TakeUnstored().empty());
}

TEST(StreamLedgerTest, WhatAnElectionLostIsUnstoredInTheOrderSeen) {
  StreamLedger ledger;
  ledger.Begin(0);
  ledger.Witnessed(kSubject, Line(0), At(0));
  ledger.Delivered(kSubject, Line(0), 1, At(1));
  // No stream leader from 100 ms: lines 1-3 go nowhere; line 4 is stored
  // by the new leader at sequence 2.
  for (int i = 1; i <= 3; ++i) ledger.Witnessed(kSubject, Line(i), At(100 * i));
  ledger.Witnessed(kSubject, Line(4), At(5000));
  ledger.Delivered(kSubject, Line(4), 2, At(5001));
  ledger.Checkpoint(2, At(6000));
  const auto unstored = ledger.TakeUnstored();
  EXPECT_EQ(Payloads(unstored), (std::vector<std::string>{Line(1), Line(2), Line(3)}));
  ASSERT_EQ(unstored.size(), 3u);
  EXPECT_EQ(unstored[0].subject, kSubject);
  EXPECT_EQ(unstored[0].seen, At(100));
  EXPECT_LT(unstored[0].ordinal, unstored[1].ordinal);  // ordinals: one per event seen
  EXPECT_TRUE(ledger.TakeUnstored().empty()) << "handed out once";
}

TEST(StreamLedgerTest, NothingIsJudgedUntilTheIntakeReachesTheCheckpoint) {
  StreamLedger ledger;
  ledger.Begin(0);
  ledger.Witnessed(kSubject, Line(1), At(0));
  ledger.Witnessed(kSubject, Line(2), At(1));
  ledger.Checkpoint(2, At(1000));  // the stream holds both; the intake is behind
  EXPECT_TRUE(ledger.TakeUnstored().empty());
  ledger.Delivered(kSubject, Line(1), 1, At(1100));
  EXPECT_TRUE(ledger.TakeUnstored().empty());
  ledger.Delivered(kSubject, Line(2), 2, At(1200));
  EXPECT_TRUE(ledger.TakeUnstored().empty());
  EXPECT_EQ(ledger.Pending(), 0u);
}

TEST(StreamLedgerTest, AnEventSeenJustBeforeTheCheckpointWaitsForTheNext) {
  StreamLedger ledger;
  ledger.Begin(0);
  // Seen 100 ms before the stream was asked: possibly still on its way.
  ledger.Witnessed(kSubject, Line(1), At(900));
  ledger.Checkpoint(0, At(1000));
  EXPECT_TRUE(ledger.TakeUnstored().empty());
  EXPECT_EQ(ledger.Pending(), 1u);
  // It arrives, after the stream was asked.
  ledger.Delivered(kSubject, Line(1), 1, At(1010));
  ledger.Checkpoint(1, At(2000));
  EXPECT_TRUE(ledger.TakeUnstored().empty());
  EXPECT_EQ(ledger.Pending(), 0u);
}

TEST(StreamLedgerTest, TwoIdenticalEventsAreTwo) {
  StreamLedger ledger;
  ledger.Begin(0);
  ledger.Witnessed(kSubject, Line(1), At(0));
  ledger.Witnessed(kSubject, Line(1), At(1));
  ledger.Delivered(kSubject, Line(1), 1, At(2));
  ledger.Checkpoint(1, At(1000));
  EXPECT_EQ(Payloads(ledger.TakeUnstored()), std::vector<std::string>{Line(1)});
}

TEST(StreamLedgerTest, DeliveriesFromBeforeTheWitnessAreNoCredit) {
  StreamLedger ledger;
  ledger.Delivered(kSubject, Line(1), 1, At(0));  // before Begin
  ledger.Begin(2);
  ledger.Delivered(kSubject, Line(1), 2, At(1));  // stored before the witness subscribed
  ledger.Witnessed(kSubject, Line(1), At(2));     // the same line again, never stored
  ledger.Checkpoint(2, At(1000));
  EXPECT_EQ(Payloads(ledger.TakeUnstored()), std::vector<std::string>{Line(1)});
}

TEST(StreamLedgerTest, ADeliveryNeverWitnessedIsForgotten) {
  StreamLedger ledger;
  ledger.Begin(0);
  ledger.Delivered(kSubject, Line(1), 1, At(0));  // a publisher the witness cannot see
  ledger.Checkpoint(1, At(1000));
  EXPECT_TRUE(ledger.TakeUnstored().empty());
  const int64_t later = 1000 + 1000 * StreamLedger::kStrayCredit.count() + 1000;
  ledger.Checkpoint(1, At(later));
  EXPECT_TRUE(ledger.TakeUnstored().empty());  // forgets the credit
  ledger.Witnessed(kSubject, Line(1), At(later + 1));  // the same line, never stored
  ledger.Checkpoint(1, At(later + 1000));
  EXPECT_EQ(Payloads(ledger.TakeUnstored()), std::vector<std::string>{Line(1)});
}

TEST(StreamLedgerTest, PastItsBoundTheOldestAreDroppedAndCounted) {
  StreamLedger ledger(/*max_bytes=*/4096);
  ledger.Begin(0);
  for (int i = 0; i < 1000; ++i) ledger.Witnessed(kSubject, Line(i), At(i));
  const int64_t dropped = ledger.TakeDropped();
  EXPECT_GT(dropped, 900);
  EXPECT_EQ(static_cast<int64_t>(ledger.Pending()), 1000 - dropped);
  EXPECT_EQ(ledger.TakeDropped(), 0);
  ledger.Checkpoint(0, At(5000));
  const auto unstored = ledger.TakeUnstored();  // the newest, never delivered
  ASSERT_FALSE(unstored.empty());
  EXPECT_EQ(unstored.back().payload, Line(999));
}

}  // namespace
}  // namespace roseyd::service
