// StreamIntake's logic through fakes: a StreamConsumer whose deliveries the
// test makes and an EventSink that commits when told. No nats-server.

#include "service/stream_intake.h"

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "base/startup_error.h"
#include "service/event_handler.h"
#include "service/service_metrics.h"
#include "support/eventually.h"
#include "unit/service/fake_event_sink.h"
#include "unit/service/fake_stream_consumer.h"

namespace roseyd::service {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ::roseyd::testing::Eventually;

class StreamIntakeTest : public ::testing::Test {
 protected:
  StreamIntakeTest() : metrics_(&registry_), events_(ServiceConfig{}, &sink_, &metrics_) {
    auto consumer = std::make_unique<FakeStreamConsumer>();
    consumer_ = consumer.get();
    StreamIntakeOptions options;
    options.commit_wait = 20ms;
    options.reset_retry = 5ms;
    intake_ = std::make_unique<StreamIntake>(options, std::move(consumer), &events_, &sink_,
                                             &metrics_);
  }

  // A user.joined event at stream sequence `seq`, from `handler` if given.
  void Deliver(uint64_t seq, const std::string& username = "u",
               const bus::MessageHandler& handler = nullptr) {
    consumer_->Deliver(seq, "rosey.db.user.joined", R"({"username":")" + username + R"("})",
                       handler);
  }

  // The value of the metric `name` (summed over its label sets).
  double Metric(const std::string& name) {
    double total = 0;
    for (const auto& family : registry_.Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) total += metric.counter.value + metric.gauge.value;
    }
    return total;
  }

  // The usernames of the events submitted, in order.
  std::vector<std::string> Usernames() const {
    std::vector<std::string> names;
    for (const auto& event : sink_.Events()) {
      names.push_back(std::get<store::UserJoined>(event.write).username);
    }
    return names;
  }

  prometheus::Registry registry_;
  ServiceMetrics metrics_;
  FakeEventSink sink_;
  EventHandler events_;
  FakeStreamConsumer* consumer_ = nullptr;  // owned by intake_
  std::unique_ptr<StreamIntake> intake_;
};

TEST_F(StreamIntakeTest, StartResumesAfterWhatTheDatabaseApplied) {
  sink_.SetLastStreamSeq(41);
  consumer_->SetState(1, 50);
  intake_->Start();
  EXPECT_THAT(consumer_->Resets(), ElementsAre(42u));
  EXPECT_EQ(Metric("roseyd_stream_consumer_resets_total"), 1);
  EXPECT_EQ(Metric("roseyd_stream_applied_sequence"), 41);
}

TEST_F(StreamIntakeTest, StartReadsARecreatedStreamFromItsStart) {
  sink_.SetLastStreamSeq(100);
  consumer_->SetState(1, 10);  // behind the database: not the stream it wrote from
  intake_->Start();
  EXPECT_THAT(consumer_->Resets(), ElementsAre(1u));
}

TEST_F(StreamIntakeTest, StartFailsWhenTheStreamCannotBeAskedOrTheConsumerMade) {
  consumer_->SetStateAvailable(false);
  EXPECT_THROW(intake_->Start(), StartupError);
  EXPECT_THAT(consumer_->Resets(), IsEmpty());

  consumer_->SetStateAvailable(true);
  consumer_->FailNextResets(1);
  EXPECT_THROW(intake_->Start(), StartupError);
}

TEST_F(StreamIntakeTest, AppliesInStreamOrderAndSkipsRedeliveries) {
  intake_->Start();
  Deliver(1);
  Deliver(2);
  Deliver(1);
  Deliver(2);
  Deliver(3);
  EXPECT_THAT(sink_.StreamSeqs(), ElementsAre(1u, 2u, 3u));
  EXPECT_EQ(Metric("roseyd_stream_redelivered_total"), 2);
  EXPECT_EQ(Metric("roseyd_events_received_total"), 3);
  EXPECT_THAT(consumer_->Resets(), ElementsAre(1u));  // a redelivery is no gap
}

TEST_F(StreamIntakeTest, GapResetsTheConsumerAtTheExpectedSequence) {
  intake_->Start();
  Deliver(1);
  Deliver(3);  // 2 went missing on the way
  EXPECT_THAT(sink_.StreamSeqs(), ElementsAre(1u));
  ASSERT_TRUE(Eventually([&] { return consumer_->Resets().size() == 2; }));
  EXPECT_THAT(consumer_->Resets(), ElementsAre(1u, 2u));
  Deliver(2);
  Deliver(3);
  EXPECT_THAT(sink_.StreamSeqs(), ElementsAre(1u, 2u, 3u));
  EXPECT_EQ(Metric("roseyd_stream_missed_total"), 0);
}

TEST_F(StreamIntakeTest, IgnoresStragglersOfAnEarlierDelivery) {
  intake_->Start();
  const bus::MessageHandler old_delivery = consumer_->Handler();
  Deliver(1, "first");
  Deliver(3, "gap");
  ASSERT_TRUE(Eventually([&] { return consumer_->Resets().size() == 2; }));
  // Still queued in the old delivery when the consumer was reset: the first
  // message after a reset would otherwise pass for a loss (2..4 missed).
  Deliver(5, "straggler", old_delivery);
  Deliver(2, "straggler", old_delivery);
  Deliver(2, "second");
  EXPECT_THAT(Usernames(), ElementsAre("first", "second"));
  EXPECT_EQ(Metric("roseyd_stream_missed_total"), 0);
}

TEST_F(StreamIntakeTest, CountsEventsTheStreamDroppedAsMissedAndGoesOn) {
  intake_->Start();
  Deliver(5);  // first after the reset, above 1: 1..4 left the stream unread
  Deliver(6);
  EXPECT_THAT(sink_.StreamSeqs(), ElementsAre(5u, 6u));
  EXPECT_EQ(Metric("roseyd_stream_missed_total"), 4);

  Deliver(9);  // a gap: read again from 7 first, not counted yet
  ASSERT_TRUE(Eventually([&] { return consumer_->Resets().size() == 2; }));
  EXPECT_EQ(Metric("roseyd_stream_missed_total"), 4);
  Deliver(9);  // 7 and 8 are gone from the stream too
  EXPECT_THAT(sink_.StreamSeqs(), ElementsAre(5u, 6u, 9u));
  EXPECT_EQ(Metric("roseyd_stream_missed_total"), 6);
}

TEST_F(StreamIntakeTest, AcknowledgesOnlyWhatHasCommitted) {
  intake_->Start();
  Deliver(1);
  Deliver(2);
  Deliver(3);
  // The acker has looked, found acks owed and nothing committed, and waits.
  ASSERT_TRUE(Eventually([&] { return sink_.InBatchWaits() >= 1; }));
  EXPECT_THAT(consumer_->Acks(), IsEmpty());

  sink_.CommitThrough(2);
  ASSERT_TRUE(Eventually([&] { return !consumer_->Acks().empty(); }));
  // One ack for both (AckThrough), never one for 3.
  EXPECT_THAT(consumer_->Acks(), ElementsAre(FakeStreamConsumer::AckSubject(2)));
  EXPECT_EQ(Metric("roseyd_stream_applied_sequence"), 2);

  sink_.CommitThrough(3);
  ASSERT_TRUE(Eventually(
      [&] { return consumer_->Acks().back() == FakeStreamConsumer::AckSubject(3); }));
}

// The acker sleeps on the sink until the commit wakes it, without asking a
// batching writer to hurry.
TEST_F(StreamIntakeTest, TheAckerWaitsForTheCommitWithoutHurryingTheWriter) {
  intake_->Start();
  Deliver(1);
  ASSERT_TRUE(Eventually([&] { return sink_.InBatchWaits() >= 1; }));
  EXPECT_THAT(consumer_->Acks(), IsEmpty());
  sink_.CommitThrough(1);
  ASSERT_TRUE(Eventually([&] { return !consumer_->Acks().empty(); }));
  EXPECT_EQ(consumer_->Acks().back(), FakeStreamConsumer::AckSubject(1));
  EXPECT_EQ(sink_.HurriedWaits(), 0);
}

// A message the handler refuses queues nothing; its ack still waits for
// the events queued before it.
TEST_F(StreamIntakeTest, ARefusedMessageIsAcknowledgedOnceTheEventsBeforeItCommit) {
  intake_->Start();
  Deliver(1);
  consumer_->Deliver(2, "rosey.db.user.joined", "not json");
  EXPECT_EQ(Metric("roseyd_events_rejected_total"), 1);
  ASSERT_TRUE(Eventually([&] { return sink_.InBatchWaits() >= 1; }));
  EXPECT_THAT(consumer_->Acks(), IsEmpty());
  sink_.CommitThrough(1);
  ASSERT_TRUE(Eventually([&] {
    const auto acks = consumer_->Acks();
    return !acks.empty() && acks.back() == FakeStreamConsumer::AckSubject(2);
  }));
}

TEST_F(StreamIntakeTest, RetriesAResetThatFailed) {
  intake_->Start();
  Deliver(1);
  consumer_->FailNextResets(2);
  Deliver(3);
  ASSERT_TRUE(Eventually([&] { return consumer_->Resets().size() == 4; }));
  EXPECT_THAT(consumer_->Resets(), ElementsAre(1u, 2u, 2u, 2u));
  Deliver(2);
  EXPECT_THAT(sink_.StreamSeqs(), ElementsAre(1u, 2u));
  EXPECT_EQ(Metric("roseyd_stream_consumer_resets_total"), 4);
}

TEST_F(StreamIntakeTest, RequestBarrierWaitsUntilTheStreamIsHandedOver) {
  consumer_->SetState(1, 2);
  intake_->Start();
  Deliver(1);
  auto barrier = std::async(std::launch::async, [&] {
    const auto now = std::chrono::steady_clock::now();
    return intake_->RequestBarrier(0, now, now + 5s);
  });
  EXPECT_EQ(barrier.wait_for(50ms), std::future_status::timeout);
  Deliver(2);
  ASSERT_EQ(barrier.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(barrier.get(), 2u);  // the sink sequence of stream event 2
}

TEST_F(StreamIntakeTest, RequestBarrierGivesUpAtTheDeadlineOrWithoutTheStream) {
  consumer_->SetState(1, 5);
  intake_->Start();
  Deliver(1);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(intake_->RequestBarrier(0, started, started + 30ms), 1u);  // 2..5 never came
  EXPECT_GE(std::chrono::steady_clock::now() - started, 30ms);
  const auto later = std::chrono::steady_clock::now();
  EXPECT_EQ(intake_->RequestBarrier(7, later, later + 30ms), 7u);  // never below the arrival

  consumer_->SetStateAvailable(false);
  const auto last = std::chrono::steady_clock::now();
  EXPECT_EQ(intake_->RequestBarrier(0, last, last + 5s), 0u);
}

TEST_F(StreamIntakeTest, StopDrainsTheConsumerAndIgnoresLaterDeliveries) {
  intake_->Start();
  const bus::MessageHandler delivery = consumer_->Handler();
  Deliver(1);
  intake_->Stop(1234ms);
  EXPECT_THAT(consumer_->Drains(), ElementsAre(1234ms));
  Deliver(2, "late", delivery);  // still queued when the drain began
  EXPECT_THAT(sink_.StreamSeqs(), ElementsAre(1u));
  intake_->Stop(1234ms);
  EXPECT_EQ(consumer_->Drains().size(), 1u);
}

TEST_F(StreamIntakeTest, NonEventSubjectInTheStreamIsRejectedAndPassed) {
  intake_->Start();
  consumer_->Deliver(1, "rosey.db.query.user_stats", R"({"username":"u"})");
  Deliver(2);
  EXPECT_THAT(sink_.StreamSeqs(), ElementsAre(2u));
  EXPECT_EQ(Metric("roseyd_events_rejected_total"), 1);
  EXPECT_THAT(consumer_->Resets(), ElementsAre(1u));
}

}  // namespace
}  // namespace roseyd::service
