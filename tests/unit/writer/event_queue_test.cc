#include "writer/event_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/eventually.h"
#include "support/status_matchers.h"
#include "unit/writer/fake_clock.h"

namespace roseyd::store {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using ::roseyd::testing::Eventually;

Event Chat(const char* text) { return Event{ChatMessage{"u", text}, 1, {}, 0}; }

TEST(EventQueueTest, PushAssignsIncreasingSequenceNumbers) {
  EventQueue queue(10);
  uint64_t a = 0, b = 0;
  ASSERT_OK(queue.Push(Chat("a"), &a));
  ASSERT_OK(queue.Push(Chat("b"), &b));
  EXPECT_EQ(a, 1u);
  EXPECT_EQ(b, 2u);
  EXPECT_EQ(queue.LastAssigned(), 2u);
  EXPECT_EQ(queue.Depth(), 2u);
}

TEST(EventQueueTest, PopIntoTakesAtMostMaxInOrderAndAppends) {
  EventQueue queue(10);
  for (const char* t : {"a", "b", "c"}) ASSERT_OK(queue.Push(Chat(t), nullptr));
  std::vector<Event> out;
  EXPECT_EQ(queue.PopInto(2, &out), 2u);
  EXPECT_EQ(queue.PopInto(5, &out), 1u);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].seq, 1u);
  EXPECT_EQ(std::get<ChatMessage>(out[2].write).message, "c");
  EXPECT_EQ(queue.Depth(), 0u);
}

TEST(EventQueueTest, PushBlocksWhileFullUntilThePopFreesRoom) {
  EventQueue queue(1);
  ASSERT_OK(queue.Push(Chat("a"), nullptr));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    EXPECT_OK(queue.Push(Chat("b"), nullptr));
    pushed = true;
  });
  ASSERT_TRUE(Eventually([&] { return queue.BlockedProducers() == 1 || pushed; }));
  EXPECT_FALSE(pushed);
  EXPECT_EQ(queue.BlockedProducers(), 1u);
  std::vector<Event> out;
  EXPECT_EQ(queue.PopInto(1, &out), 1u);
  producer.join();
  EXPECT_TRUE(pushed);
  EXPECT_EQ(queue.Depth(), 1u);
}

TEST(EventQueueTest, CloseRefusesPushesAndReleasesABlockedProducer) {
  EventQueue queue(1);
  ASSERT_OK(queue.Push(Chat("a"), nullptr));
  Status blocked;
  std::thread producer([&] { blocked = queue.Push(Chat("b"), nullptr); });
  ASSERT_TRUE(Eventually([&] { return queue.BlockedProducers() == 1; }));
  queue.Close();
  producer.join();
  EXPECT_EQ(blocked.code(), Status::Code::kUnavailable);
  EXPECT_EQ(queue.Push(Chat("c"), nullptr).code(), Status::Code::kUnavailable);
  EXPECT_EQ(queue.Depth(), 1u);  // what was queued stays for the writer to drain
  EXPECT_TRUE(queue.WaitForEvent(Clock::now()));
}

TEST(EventQueueTest, UnboundReleasesABlockedProducerAndTakesEverything) {
  EventQueue queue(1);
  ASSERT_OK(queue.Push(Chat("a"), nullptr));
  Status blocked = Status::Internal("not pushed yet");
  std::thread producer([&] { blocked = queue.Push(Chat("b"), nullptr); });
  ASSERT_TRUE(Eventually([&] { return queue.BlockedProducers() == 1; }));
  queue.Unbound();
  producer.join();
  EXPECT_OK(blocked);
  for (int i = 0; i < 10; ++i) ASSERT_OK(queue.Push(Chat("more"), nullptr));
  EXPECT_EQ(queue.Depth(), 12u);
}

TEST(EventQueueTest, PushPastCapacityNeverWaitsForRoom) {
  EventQueue queue(1);
  uint64_t seq = 0;
  ASSERT_OK(queue.PushPastCapacity(Chat("a"), &seq));
  ASSERT_OK(queue.PushPastCapacity(Chat("b"), &seq));
  EXPECT_EQ(seq, 2u);
  EXPECT_EQ(queue.Depth(), 2u);
  queue.Close();
  EXPECT_EQ(queue.PushPastCapacity(Chat("c"), &seq).code(), Status::Code::kUnavailable);
}

TEST(EventQueueTest, WaitForEventTimesOutWhenEmpty) {
  EventQueue queue(4);
  const auto start = Clock::now();
  EXPECT_FALSE(queue.WaitForEvent(start + milliseconds(30)));
  EXPECT_GE(Clock::now() - start, milliseconds(30));
}

TEST(EventQueueTest, WaitsEndAtTheirDeadlineOnTheQueuesClock) {
  FakeClock clock(0);
  EventQueue queue(4, &clock);
  std::atomic<bool> returned{false};
  std::thread consumer([&] {
    EXPECT_FALSE(queue.WaitForMore(2, clock.Now() + std::chrono::seconds(10)));
    returned = true;
  });
  clock.AwaitWaiters(1);
  clock.Advance(std::chrono::seconds(9));
  EXPECT_FALSE(returned);
  clock.Advance(std::chrono::seconds(1));
  consumer.join();
  EXPECT_TRUE(returned);
}

// On a clock that never moves, only the push can end the wait.
TEST(EventQueueTest, WaitForEventWakesOnPush) {
  FakeClock clock(0);
  EventQueue queue(4, &clock);
  std::thread producer([&] {
    clock.AwaitWaiters(1);  // the consumer is waiting
    EXPECT_OK(queue.Push(Chat("a"), nullptr));
  });
  EXPECT_TRUE(queue.WaitForEvent(clock.Now() + std::chrono::seconds(10)));
  producer.join();
}

TEST(EventQueueTest, UrgentRequestForAnEventInHandStopsTheLinger) {
  FakeClock clock(0);  // never moves: only the request ends the linger
  EventQueue queue(4, &clock);
  uint64_t seq = 0;
  ASSERT_OK(queue.Push(Chat("a"), &seq));
  std::vector<Event> batch;
  queue.PopInto(4, &batch);
  std::thread waiter([&] {
    clock.AwaitWaiters(1);  // the consumer lingers
    queue.RequestUrgent(seq);
  });
  EXPECT_FALSE(queue.WaitForMore(3, clock.Now() + std::chrono::seconds(10)));
  waiter.join();
  EXPECT_TRUE(queue.IsUrgent());
  queue.ClearUrgent(seq);
  EXPECT_FALSE(queue.IsUrgent());
}

TEST(EventQueueTest, UrgentRequestForAQueuedEventStopsTheLinger) {
  EventQueue queue(8);
  uint64_t seq = 0;
  ASSERT_OK(queue.Push(Chat("a"), &seq));
  queue.RequestUrgent(seq);
  const auto start = Clock::now();
  EXPECT_TRUE(queue.WaitForMore(5, start + std::chrono::seconds(10)));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(EventQueueTest, UrgentRequestForALaterEventDoesNotStopTheLinger) {
  EventQueue queue(4);
  queue.RequestUrgent(5);
  EXPECT_FALSE(queue.IsUrgent());
  const auto start = Clock::now();
  EXPECT_FALSE(queue.WaitForMore(3, start + milliseconds(30)));
  EXPECT_GE(Clock::now() - start, milliseconds(30));
}

// Each push goes to a consumer seen waiting; on a clock that never moves,
// it returns only once the fourth is queued.
TEST(EventQueueTest, WaitForMoreSleepsUntilItsBatchIsQueued) {
  FakeClock clock(0);
  EventQueue queue(16, &clock);
  std::atomic<bool> returned{false};
  size_t depth_at_return = 0;
  std::thread consumer([&] {
    EXPECT_TRUE(queue.WaitForMore(4, clock.Now() + std::chrono::seconds(10)));
    depth_at_return = queue.Depth();
    returned = true;
  });
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(Eventually([&] { return returned || clock.Waiters() == 1; }));
    ASSERT_FALSE(returned) << "returned with " << i << " queued";
    ASSERT_OK(queue.Push(Chat("a"), nullptr));
  }
  consumer.join();
  EXPECT_EQ(depth_at_return, 4u);
}

TEST(EventQueueTest, WaitForCloseReturnsOnClose) {
  FakeClock clock(0);  // never moves: only the close ends the second wait
  EventQueue queue(4, &clock);
  std::thread timeout([&] {
    clock.AwaitWaiters(1);
    clock.Advance(milliseconds(10));
  });
  EXPECT_FALSE(queue.WaitForClose(clock.Now() + milliseconds(10)));
  timeout.join();
  std::thread closer([&] {
    clock.AwaitWaiters(1);  // the consumer is waiting
    queue.Close();
  });
  EXPECT_TRUE(queue.WaitForClose(clock.Now() + std::chrono::seconds(10)));
  closer.join();
  EXPECT_TRUE(queue.closed());
}

}  // namespace
}  // namespace roseyd::store
