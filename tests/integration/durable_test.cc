// Durable mode (service.durability: jetstream) against real processes: roseyd
// killed under load, stopped while the bot keeps publishing, and the same
// kill under core NATS for comparison. Every event is a numbered chat line,
// so the database itself says what was lost and what was doubled.

#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "integration/chat_publisher.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using std::chrono::milliseconds;

const std::vector<std::string> kDurable = {"--set", "service.durability=jetstream"};

struct Outcome {
  int sent = 0;
  int64_t persisted = 0;  // rows
  int64_t distinct = 0;   // different lines among them
  int64_t lost() const { return sent - distinct; }
  int64_t duplicated() const { return persisted - distinct; }
};

Outcome Count(const RoseydWorld& world, int sent) {
  Outcome o;
  o.sent = sent;
  o.persisted = world.QueryInt("SELECT COUNT(*) FROM recent_chat");
  o.distinct = world.QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat");
  return o;
}

void Print(const char* what, const Outcome& o) {
  std::printf("[figures] %s: sent %d, persisted %lld, lost %lld, duplicated %lld\n", what, o.sent,
              static_cast<long long>(o.persisted), static_cast<long long>(o.lost()),
              static_cast<long long>(o.duplicated()));
}

// 20,000 events at about 10,000/s; roseyd is SIGKILLed a third of the way in
// and started again 300 ms later while the bot keeps publishing.
Outcome KillUnderLoad(RoseydWorld* world, const std::vector<std::string>& args, bool wait_all) {
  constexpr int kEvents = 20000;
  world->StartRoseyd(args);
  bus::Connection& client = world->client();
  ChatPublisher publisher(&client, kEvents, 10);
  EXPECT_TRUE(RoseydWorld::WaitFor([&] { return publisher.sent() >= kEvents / 3; }));
  world->StopRoseyd(SIGKILL);
  std::this_thread::sleep_for(milliseconds(300));
  world->StartRoseyd(args);
  publisher.Join();
  // Wait until every line is in (durable), or until the count stops moving.
  int64_t last = -1;
  RoseydWorld::WaitFor(
      [&] {
        const int64_t now = world->QueryInt("SELECT COUNT(*) FROM recent_chat");
        const bool done = wait_all ? now >= publisher.sent() : now == last;
        last = now;
        return done;
      },
      milliseconds(wait_all ? 30000 : 3000));
  EXPECT_EQ(world->StopRoseyd(SIGTERM), 0) << world->Log();
  return Count(*world, publisher.sent());
}

// On either store: the stream position is kept with the rows.
class EachStoreDurableTest : public ::testing::TestWithParam<StoreKind> {};
INSTANTIATE_TEST_SUITE_P(Stores, EachStoreDurableTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(EachStoreDurableTest, SigkillUnderLoadLosesAndDoublesNothing) {
  RoseydWorld world(GetParam());
  world.StartNats({}, /*jetstream=*/true);
  const Outcome o = KillUnderLoad(&world, kDurable, /*wait_all=*/true);
  Print("durable, SIGKILL under load", o);
  EXPECT_EQ(o.lost(), 0);
  EXPECT_EQ(o.duplicated(), 0);
  // The store remembers where the stream was read to, with the rows.
  EXPECT_EQ(world.QueryInt("SELECT CAST(value AS INTEGER) FROM roseyd_meta "
                           "WHERE key = 'jetstream.ROSEY_DB.last_seq'"),
            o.sent);
  EXPECT_NE(world.Log().find("durable intake: stream ROSEY_DB"), std::string::npos);
}

TEST(DurableTest, CoreModeLosesWhatWasPublishedWhileItWasDown) {
  RoseydWorld world;
  world.StartNats();
  const Outcome o = KillUnderLoad(&world, {}, /*wait_all=*/false);
  Print("core, SIGKILL under load", o);
  // The contrast durable mode exists for: core NATS keeps nothing for roseyd.
  EXPECT_GT(o.lost(), 0);
  EXPECT_EQ(o.duplicated(), 0);
}

TEST(DurableTest, EventsPublishedWhileStoppedAreAppliedOnStart) {
  RoseydWorld world;
  world.StartNats({}, /*jetstream=*/true);
  world.StartRoseyd(kDurable);
  for (int i = 0; i < 100; ++i) {
    world.Publish("rosey.db.message.log",
                  R"({"username":"u","message":"before )" + std::to_string(i) + "\"}");
  }
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.QueryInt("SELECT COUNT(*) FROM recent_chat") == 100; }));
  ASSERT_EQ(world.StopRoseyd(SIGTERM), 0) << world.Log();
  for (int i = 0; i < 100; ++i) {
    world.Publish("rosey.db.message.log",
                  R"({"username":"u","message":"while down )" + std::to_string(i) + "\"}");
  }
  world.Publish("rosey.db.message.log", R"({"username":"u"})");  // malformed: refused once
  ASSERT_TRUE(world.client().Flush(milliseconds(2000)).ok());
  world.StartRoseyd(kDurable);
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.QueryInt("SELECT COUNT(*) FROM recent_chat") == 200; }));
  // A request sees them, and the stream was taken up after the last applied.
  const std::string reply = world.Request("rosey.db.stats.recent_chat.get", R"({"limit":1})");
  EXPECT_NE(reply.find("while down 99"), std::string::npos) << reply;
  EXPECT_NE(world.Log().find("resuming at 101"), std::string::npos) << world.Log();
  EXPECT_EQ(world.StopRoseyd(SIGTERM), 0) << world.Log();
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat"), 200);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat"), 200);
}

// A hole in the stream (a message deleted, as its limits would) looks like a
// lost delivery at first: roseyd reads again from where it was, finds the
// sequence gone, counts it as missed, and applies everything after it.
TEST(DurableTest, AnEventThatLeftTheStreamIsCountedAsMissedAndTheRestApplied) {
  RoseydWorld world;
  world.StartNats({}, /*jetstream=*/true);
  world.StartRoseyd(kDurable);
  const auto publish = [&](int first, int last) {
    for (int i = first; i <= last; ++i) {
      world.Publish("rosey.db.message.log",
                    R"({"username":"u","message":"event )" + std::to_string(i) + "\"}");
    }
  };
  publish(1, 3);
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.QueryInt("SELECT COUNT(*) FROM recent_chat") == 3; }));
  ASSERT_EQ(world.StopRoseyd(SIGTERM), 0) << world.Log();
  publish(4, 10);  // stream sequences 4..10
  const std::string deleted =
      world.Request("$JS.API.STREAM.MSG.DELETE.ROSEY_DB", R"({"seq":6})");
  ASSERT_NE(deleted.find("\"success\":true"), std::string::npos) << deleted;

  world.StartRoseyd(kDurable);
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.QueryInt("SELECT COUNT(*) FROM recent_chat") == 9; }));
  EXPECT_TRUE(RoseydWorld::WaitFor([&] { return world.Metric("roseyd_stream_missed_total") == 1; }))
      << world.Log();
  EXPECT_GE(world.Metric("roseyd_stream_consumer_resets_total"), 2);  // start, then the gap
  EXPECT_EQ(world.StopRoseyd(SIGTERM), 0) << world.Log();
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat WHERE message = 'event 6'"), 0);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat"), 9);
  EXPECT_NE(world.Log().find("events 6..6 left stream ROSEY_DB"), std::string::npos)
      << world.Log();
}

// As on core NATS, a request sees the events published before it, although
// they reach roseyd through the stream and the request does not.
TEST(DurableTest, ARequestSeesTheEventsPublishedJustBeforeIt) {
  RoseydWorld world;
  world.StartNats({}, /*jetstream=*/true);
  world.StartRoseyd(kDurable);
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < 5; ++i) {
      world.Publish("rosey.db.message.log", R"({"username":"u","message":"round )" +
                                                std::to_string(round) + " line " +
                                                std::to_string(i) + "\"}");
    }
    const std::string reply =
        world.Request("rosey.db.stats.recent_chat.get", R"({"limit":1})");
    EXPECT_NE(reply.find("round " + std::to_string(round) + " line 4"), std::string::npos)
        << "round " << round << ": " << reply;
  }
  EXPECT_EQ(world.StopRoseyd(SIGTERM), 0) << world.Log();
}

TEST(DurableTest, NatsServerRestartUnderLoadLosesNothingTheServerKept) {
  RoseydWorld world;
  world.StartNats({}, /*jetstream=*/true);
  world.StartRoseyd(kDurable);
  constexpr int kEvents = 10000;
  bus::Connection& client = world.client();
  ChatPublisher publisher(&client, kEvents, 10);
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return publisher.sent() >= kEvents / 3; }));
  world.StopNats();
  std::this_thread::sleep_for(milliseconds(300));
  world.StartNats({}, /*jetstream=*/true);
  publisher.Join();
  ASSERT_TRUE(world.RoseydRunning()) << world.Log();
  std::this_thread::sleep_for(milliseconds(500));
  ASSERT_TRUE(world.RoseydRunning()) << "exit " << world.StopRoseyd() << "\n" << world.Log();
  // The bot's client buffers what it publishes while disconnected; what the
  // server stored is what roseyd owes. The stream's count is the reference.
  int64_t rows = 0;
  RoseydWorld::WaitFor(
      [&] {
        const int64_t now = world.QueryInt("SELECT COUNT(*) FROM recent_chat");
        const bool still = now == rows && now > 0;
        rows = now;
        return still && world.Metric("roseyd_nats_connected") == 1;
      },
      milliseconds(15000));
  EXPECT_TRUE(RoseydWorld::WaitFor([&] {
    return world.QueryInt("SELECT CAST(value AS INTEGER) FROM roseyd_meta "
                          "WHERE key = 'jetstream.ROSEY_DB.last_seq'") ==
           world.QueryInt("SELECT COUNT(*) FROM recent_chat");
  }));
  EXPECT_EQ(world.StopRoseyd(SIGTERM), 0) << world.Log();
  const Outcome o = Count(world, publisher.sent());
  Print("durable, nats-server restarted under load", o);
  EXPECT_EQ(o.duplicated(), 0);
  EXPECT_GT(o.persisted, 0);
  EXPECT_NE(world.Log().find("NATS reconnected"), std::string::npos);
}

}  // namespace
}  // namespace roseyd::testing
