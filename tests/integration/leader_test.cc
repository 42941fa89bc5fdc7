// Several roseyd on one PostgreSQL database: exactly one writes (the leader,
// holding the writer's claim), every one answers read requests, and when the
// leader dies another takes over with nothing lost or written twice.
#include <signal.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/chat_publisher.h"
#include "integration/roseyd_pair.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// Every request this roseyd answered, over all subjects.
double RequestsAnswered(const RoseydWorld& world) {
  std::istringstream lines(world.Scrape());
  double total = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("roseyd_requests_total{", 0) == 0) {
      total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return total;
}

TEST(SeveralRoseydTest, OneWritesAndEitherAnswersAReadWithTheAskersOwnWrite) {
  RoseydPair pair;
  pair.Start();
  RoseydWorld& leader = pair.leader;
  RoseydWorld& follower = pair.follower;
  EXPECT_EQ(leader.Metric("roseyd_store_leader"), 1);
  EXPECT_EQ(follower.Metric("roseyd_store_leader"), 0);
  EXPECT_NE(leader.Log().find("this roseyd writes to postgresql://"), std::string::npos)
      << leader.Log();
  EXPECT_NE(follower.Log().find("another roseyd writes to postgresql://"), std::string::npos)
      << follower.Log();

  // Each read comes right after the asker's own event, on one connection;
  // the queue group hands it to either roseyd.
  constexpr int kTries = 200;
  int unseen = 0;
  for (int i = 0; i < kTries; ++i) {
    const std::string user = "u" + std::to_string(i);
    leader.Publish("rosey.db.user.joined", R"({"username":")" + user + "\"}");
    const std::string reply =
        leader.Request("rosey.db.query.user_stats", R"({"username":")" + user + "\"}");
    if (reply.find("\"found\":true") == std::string::npos) ++unseen;
  }
  EXPECT_EQ(unseen, 0) << "follower:\n" << follower.Log() << "\nleader:\n" << leader.Log();
  EXPECT_GT(RequestsAnswered(follower), 0) << "the follower answered no read";
  EXPECT_EQ(leader.QueryInt("SELECT COUNT(*) FROM user_stats"), kTries);
  pair.ExpectCleanStops();
}

// The plugin storage API beside two roseyd: writes (schema.register,
// insert, kv.set) reach the leader alone; reads reach either, and the
// follower, started before the table was registered, finds it too.
TEST(SeveralRoseydTest, PluginStorageWritesGoToTheLeaderAndEitherReadsThem) {
  RoseydPair pair;
  pair.Start();
  const auto ask = [&](const std::string& subject, const json& body) {
    return json::parse(pair.leader.Request("rosey.db." + subject, body.dump()));
  };
  ASSERT_EQ(
      ask("row.notes.schema.register",
          json::parse(R"({"table":"note","schema":{"fields":[{"name":"text","type":"text"}]}})")),
      json::parse(R"({"success":true})"));
  ASSERT_EQ(
      ask("row.notes.insert", json::parse(R"({"table":"note","data":{"text":"hi"}})"))["success"],
      true);
  int misses = 0;
  for (int i = 0; i < 40; ++i) {
    const json found = ask("row.notes.search", {{"table", "note"}});
    if (found.value("count", 0) != 1 || found["rows"][0]["text"] != "hi") ++misses;
    const std::string key = "k" + std::to_string(i);
    ask("kv.set", {{"plugin_name", "p"}, {"key", key}, {"value", i}});
    const json got = ask("kv.get", {{"plugin_name", "p"}, {"key", key}});
    if (got["data"].value("value", -1) != i) ++misses;
  }
  EXPECT_EQ(misses, 0) << pair.follower.Log();
  EXPECT_GT(
      pair.follower.Metric(R"(roseyd_storage_requests_total{family="row",operation="search"})"), 0);
  EXPECT_LE(pair.follower.Metric(R"(roseyd_storage_requests_total{family="kv",operation="set"})"),
            0);
  pair.ExpectCleanStops();
}

// On core NATS the follower subscribes to the read subjects alone: events
// reach the leader only (the follower counts none), reads reach both.
TEST(SeveralRoseydTest, OnCoreNatsEventsGoToTheLeaderAloneAndReadsToBoth) {
  RoseydPair pair;
  pair.Start(/*jetstream=*/false);
  for (int i = 0; i < 100; ++i) {
    pair.leader.Publish("rosey.db.message.log",
                        R"({"username":"core","message":"line )" + std::to_string(i) + "\"}");
  }
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return pair.leader.QueryInt("SELECT COUNT(*) FROM recent_chat") == 100; }));
  for (int i = 0; i < 50; ++i) pair.leader.Request("rosey.db.query.channel_stats", "{}");
  const std::string chat = R"(roseyd_events_received_total{subject="message.log"})";
  EXPECT_EQ(pair.follower.Metric(chat), 0);
  EXPECT_EQ(pair.leader.Metric(chat), 100);
  EXPECT_GT(RequestsAnswered(pair.follower), 0) << "the follower answered no read";
  EXPECT_GT(RequestsAnswered(pair.leader), 0) << "the leader answered no read";
  pair.ExpectCleanStops();
}

// 30,000 numbered chat lines at up to 20,000/s; the leader is SIGKILLed a
// third of the way in. The follower takes the claim, reads the stream from
// the position committed with the rows, and every line is in the database
// exactly once.
TEST(SeveralRoseydTest, WhenTheLeaderIsKilledUnderLoadAnotherLeadsAndNothingIsLostOrDoubled) {
  RoseydPair pair;
  pair.Start();
  auto chat = pair.PublishChat();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return chat->sent() >= RoseydPair::kLines / 3; }));
  const auto killed = std::chrono::steady_clock::now();
  pair.leader.StopRoseyd(SIGKILL);
  const int64_t failover = MillisUntilLeading(pair.follower, killed);
  ASSERT_GE(failover, 0) << pair.follower.Log();
  std::printf("failover: SIGKILL of the leader to the other's roseyd_store_leader 1: %lld ms\n",
              static_cast<long long>(failover));
  ExpectEachLineOnce(pair.leader, chat.get(), RoseydPair::kLines);
  EXPECT_NE(pair.follower.Log().find("this roseyd now writes to postgresql://"), std::string::npos)
      << pair.follower.Log();
  EXPECT_EQ(pair.follower.StopRoseyd(), 0) << pair.follower.Log();
}

// The leader is cut off from PostgreSQL under load: its role may no longer
// log in and its sessions are ended, as when the network between them goes.
// It cannot write; the other takes the claim and carries on. When the first
// can connect again it finds the claim taken, stops writing for good and
// follows. Every line is in the database once.
TEST(SeveralRoseydTest, ALeaderCutOffFromPostgresStopsWritingAndAnotherTakesOver) {
  PostgresServer server;  // of its own: the test changes a role
  RoseydPair pair(&server);
  RoseydWorld& leader = pair.leader;
  leader.Exec("CREATE ROLE cutoff LOGIN SUPERUSER");
  std::string url = leader.store_url();
  url.replace(url.find("postgres@"), 9, "cutoff@");
  pair.Start(/*jetstream=*/true,
             {"--set", "service.durability=jetstream", "--set", "store.url=" + url});
  auto chat = pair.PublishChat();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return chat->sent() >= RoseydPair::kLines / 3; }));
  const auto cut = std::chrono::steady_clock::now();
  leader.Exec("ALTER ROLE cutoff NOLOGIN");
  leader.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'cutoff'");
  const int64_t failover = MillisUntilLeading(pair.follower, cut);
  ASSERT_GE(failover, 0) << pair.follower.Log();
  std::printf(
      "failover: leader cut off from PostgreSQL to the other's roseyd_store_leader 1: "
      "%lld ms\n",
      static_cast<long long>(failover));
  ExpectEachLineOnce(leader, chat.get(), RoseydPair::kLines);
  leader.Exec("ALTER ROLE cutoff LOGIN");
  EXPECT_TRUE(RoseydWorld::WaitFor([&] { return leader.Metric("roseyd_store_leader") == 0; },
                                   milliseconds(15000)))
      << leader.Log();
  // Durable: it stops writing once it cannot prove its claim for a second
  // (or, had it reconnected first, once it found the claim taken).
  EXPECT_NE(leader.Log().find("and stops writing"), std::string::npos) << leader.Log();
  EXPECT_EQ(leader.QueryInt("SELECT COUNT(*) FROM recent_chat"), RoseydPair::kLines);
  pair.ExpectCleanStops();
}

// Stopping one roseyd must not end the bot's user sessions while another
// carries on: the users are still in the channel. The last one to stop
// closes them, as a lone roseyd does.
TEST(SeveralRoseydTest, AStoppingLeaderLeavesOpenSessionsToTheNextAndTheLastClosesThem) {
  RoseydPair pair;
  pair.Start();
  RoseydWorld& leader = pair.leader;
  const std::string open =
      "SELECT COUNT(*) FROM user_stats WHERE current_session_start IS NOT NULL";
  leader.Publish("rosey.db.user.joined", R"({"username":"alice"})");
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return leader.QueryInt(open) == 1; }));

  const auto stopped = std::chrono::steady_clock::now();
  EXPECT_EQ(leader.StopRoseyd(), 0) << leader.Log();
  EXPECT_NE(leader.Log().find("left to the roseyd that writes next"), std::string::npos)
      << leader.Log();
  EXPECT_GE(MillisUntilLeading(pair.follower, stopped), 0) << pair.follower.Log();
  EXPECT_EQ(leader.QueryInt(open), 1) << "alice's session survived the leader's stop";

  EXPECT_EQ(pair.follower.StopRoseyd(), 0) << pair.follower.Log();
  EXPECT_EQ(leader.QueryInt(open), 0) << "the last roseyd closed it:\n" << pair.follower.Log();
  EXPECT_EQ(pair.follower.Log().find("left to the roseyd that writes next"), std::string::npos)
      << pair.follower.Log();
}

// A PostgreSQL server that stops answering (as across a network cut: it
// takes connections and never replies) must not hold a stop for the
// driver's timeouts (10 s to connect, 60 s for a reply): with read requests
// waiting on it and chat lines not yet written, the follower and the leader
// each stop within 2 s, and the lines are written once it answers again.
TEST(SeveralRoseydTest, BothStopWithinTwoSecondsWhilePostgresDoesNotAnswer) {
  PostgresServer server;  // of its own: this test pauses it
  RoseydPair pair(&server);
  pair.Start();
  RoseydWorld& leader = pair.leader;
  leader.Publish("rosey.db.user.joined", R"({"username":"load"})");
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return leader.QueryInt("SELECT COUNT(*) FROM user_stats") == 1; }));

  server.Pause();
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(leader.client()
                    .PublishRequest("rosey.db.query.user_stats", "_INBOX.paused." + std::to_string(i),
                                    R"({"username":"load"})")
                    .ok());
  }
  constexpr int kLines = 50;
  for (int i = 0; i < kLines; ++i) {
    leader.Publish("rosey.db.message.log",
                   R"({"username":"load","message":"line )" + std::to_string(i) + "\"}");
  }
  std::this_thread::sleep_for(milliseconds(300));  // the reads and the batch reach PostgreSQL
  EXPECT_LT(TimedStop(&pair.follower, "follower, PostgreSQL not answering"), kStopBoundMs)
      << pair.follower.Log();
  EXPECT_LT(TimedStop(&leader, "leader, PostgreSQL not answering"), kStopBoundMs) << leader.Log();
  server.Resume();

  // The lines waited in the stream: the next roseyd writes each once.
  leader.StartRoseyd(kDurable);
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return leader.QueryInt("SELECT COUNT(*) FROM recent_chat") >= kLines; }))
      << leader.Log();
  EXPECT_EQ(leader.QueryInt("SELECT COUNT(*) FROM recent_chat"), kLines);
  EXPECT_EQ(leader.QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat"), kLines);
  EXPECT_EQ(leader.StopRoseyd(), 0) << leader.Log();
}

// PostgreSQL restarted under load beside two roseyd: every session ends and
// whichever roseyd reconnects first leads; the other follows. The leader
// reports 0 within a second of losing its session, and at no sampled moment
// do both report 1. Nothing is lost or written twice.
TEST(SeveralRoseydTest, APostgresRestartUnderLoadLeavesOneLeaderAndEachLineOnce) {
  PostgresServer server;  // of its own: this test stops it
  RoseydPair pair(&server);
  pair.Start();
  LeaderSampler sampler({&pair.leader, &pair.follower});
  auto chat = pair.PublishChat();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return chat->sent() >= RoseydPair::kLines / 3; }));
  const auto stopped = std::chrono::steady_clock::now();
  server.Stop();
  EXPECT_TRUE(RoseydWorld::WaitFor([&] { return pair.leader.Metric("roseyd_store_leader") == 0; },
                                   milliseconds(5000)));
  const auto zero = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() -
                                                             stopped);
  std::printf("[figure] PostgreSQL stopped under load: the leader reports 0 after %lld ms\n",
              static_cast<long long>(zero.count()));
  EXPECT_LT(zero, milliseconds(1000));
  std::this_thread::sleep_for(milliseconds(1000));
  const auto restarted = std::chrono::steady_clock::now();
  server.Start();
  ExpectEachLineOnce(pair.leader, chat.get(), RoseydPair::kLines);
  std::printf("restart: every line in %lld ms after PostgreSQL started again\n",
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(
                                         std::chrono::steady_clock::now() - restarted)
                                         .count()));
  EXPECT_TRUE(RoseydWorld::WaitFor([&] {
    return pair.leader.Metric("roseyd_store_leader") +
               pair.follower.Metric("roseyd_store_leader") ==
           1;
  })) << pair.leader.Log()
      << pair.follower.Log();
  const std::string logs = pair.leader.Log() + pair.follower.Log();
  EXPECT_NE(logs.find("lost the connection to PostgreSQL"), std::string::npos) << logs;
  sampler.Stop();
  EXPECT_EQ(sampler.TwoLeaders(), 0);
  pair.ExpectCleanStops();
}

}  // namespace
}  // namespace roseyd::testing
