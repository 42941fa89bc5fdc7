// Several roseyd on one PostgreSQL database: exactly one writes (the leader,
// holding the writer's claim), every one answers read requests, and when the
// leader dies another takes over with nothing lost or written twice.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

const std::vector<std::string> kDurable = {"--set", "service.durability=jetstream"};

// The arguments that point a second roseyd at `leader`'s NATS and database.
std::vector<std::string> Beside(const RoseydWorld& leader, std::vector<std::string> args) {
  args.insert(args.end(),
              {"--nats-url", leader.nats_url(), "--set", "store.url=" + leader.store_url()});
  return args;
}

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

// Publishes `total` numbered chat lines of user "load" at up to 20,000/s
// from a thread of its own, through `world`'s client.
class NumberedChat {
 public:
  NumberedChat(RoseydWorld* world, int total) : world_(world), total_(total) {
    world_->Publish("rosey.db.user.joined", R"({"username":"load"})");
    thread_ = std::thread([this] { Run(); });
  }
  ~NumberedChat() { Join(); }

  int sent() const { return sent_.load(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // Fails the test unless the lines were all sent, then waits (30 s at
  // most) until the database holds as many, and checks each is there once.
  void ExpectEachOnce() {
    Join();
    ASSERT_EQ(sent(), total_);
    EXPECT_TRUE(RoseydWorld::WaitFor(
        [&] { return world_->QueryInt("SELECT COUNT(*) FROM recent_chat") >= total_; },
        milliseconds(30000)));
    const int64_t rows = world_->QueryInt("SELECT COUNT(*) FROM recent_chat");
    const int64_t distinct = world_->QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat");
    std::printf("[figures] sent %d, persisted %lld, lost %lld, duplicated %lld\n", total_,
                static_cast<long long>(distinct), static_cast<long long>(total_ - distinct),
                static_cast<long long>(rows - distinct));
    EXPECT_EQ(rows, total_);
    EXPECT_EQ(distinct, total_);
    EXPECT_EQ(world_->QueryInt("SELECT total_chat_lines FROM user_stats WHERE username = 'load'"),
              total_);
  }

 private:
  void Run() {
    for (int i = 0; i < total_; ++i) {
      const std::string payload =
          R"({"username":"load","message":"line )" + std::to_string(i) + "\"}";
      if (world_->client().Publish("rosey.db.message.log", payload).ok()) sent_.fetch_add(1);
      if ((i + 1) % 20 == 0) std::this_thread::sleep_for(milliseconds(1));
    }
    (void)world_->client().Flush(milliseconds(5000));
  }

  RoseydWorld* const world_;
  const int total_;
  std::atomic<int> sent_{0};
  std::thread thread_;
};

// Milliseconds from `since` until `follower` reports that it leads (10 s at
// most); -1 if it never did.
int64_t MillisUntilLeading(const RoseydWorld& follower,
                           std::chrono::steady_clock::time_point since) {
  if (!RoseydWorld::WaitFor([&] { return follower.Metric("roseyd_store_leader") == 1; },
                            milliseconds(10000))) {
    return -1;
  }
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - since).count();
}

TEST(SeveralRoseydTest, OneWritesAndEitherAnswersAReadWithTheAskersOwnWrite) {
  RoseydWorld leader(StoreKind::kPostgres);
  leader.StartNats({}, /*jetstream=*/true);
  leader.StartRoseyd(kDurable);
  RoseydWorld follower;
  follower.StartRoseyd(Beside(leader, kDurable));
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
  EXPECT_EQ(follower.StopRoseyd(), 0) << follower.Log();
  EXPECT_EQ(leader.StopRoseyd(), 0) << leader.Log();
}

// The plugin storage API beside two roseyd: writes (schema.register,
// insert, kv.set) reach the leader alone; reads reach either, and the
// follower, started before the table was registered, finds it too.
TEST(SeveralRoseydTest, PluginStorageWritesGoToTheLeaderAndEitherReadsThem) {
  RoseydWorld leader(StoreKind::kPostgres);
  leader.StartNats({}, /*jetstream=*/true);
  leader.StartRoseyd(kDurable);
  RoseydWorld follower;
  follower.StartRoseyd(Beside(leader, kDurable));
  const auto ask = [&](const std::string& subject, const json& body) {
    return json::parse(leader.Request("rosey.db." + subject, body.dump()));
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
  EXPECT_EQ(misses, 0) << follower.Log();
  EXPECT_GT(follower.Metric(R"(roseyd_storage_requests_total{family="row",operation="search"})"),
            0);
  EXPECT_LE(follower.Metric(R"(roseyd_storage_requests_total{family="kv",operation="set"})"), 0);
  EXPECT_EQ(follower.StopRoseyd(), 0) << follower.Log();
  EXPECT_EQ(leader.StopRoseyd(), 0) << leader.Log();
}

// On core NATS the follower subscribes to the read subjects alone: events
// reach the leader only (the follower counts none), reads reach both.
TEST(SeveralRoseydTest, OnCoreNatsEventsGoToTheLeaderAloneAndReadsToBoth) {
  RoseydWorld leader(StoreKind::kPostgres);
  leader.StartNats();
  leader.StartRoseyd();
  RoseydWorld follower;
  follower.StartRoseyd(Beside(leader, {}));
  for (int i = 0; i < 100; ++i) {
    leader.Publish("rosey.db.message.log",
                   R"({"username":"core","message":"line )" + std::to_string(i) + "\"}");
  }
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return leader.QueryInt("SELECT COUNT(*) FROM recent_chat") == 100; }));
  for (int i = 0; i < 50; ++i) leader.Request("rosey.db.query.channel_stats", "{}");
  EXPECT_EQ(follower.Metric(R"(roseyd_events_received_total{subject="message.log"})"), 0);
  EXPECT_EQ(leader.Metric(R"(roseyd_events_received_total{subject="message.log"})"), 100);
  EXPECT_GT(RequestsAnswered(follower), 0) << "the follower answered no read";
  EXPECT_GT(RequestsAnswered(leader), 0) << "the leader answered no read";
  EXPECT_EQ(follower.StopRoseyd(), 0) << follower.Log();
  EXPECT_EQ(leader.StopRoseyd(), 0) << leader.Log();
}

// 30,000 numbered chat lines at up to 20,000/s; the leader is SIGKILLed a
// third of the way in. The follower takes the claim, reads the stream from
// the position committed with the rows, and every line is in the database
// exactly once.
TEST(SeveralRoseydTest, WhenTheLeaderIsKilledUnderLoadAnotherLeadsAndNothingIsLostOrDoubled) {
  RoseydWorld leader(StoreKind::kPostgres);
  leader.StartNats({}, /*jetstream=*/true);
  leader.StartRoseyd(kDurable);
  RoseydWorld follower;
  follower.StartRoseyd(Beside(leader, kDurable));
  NumberedChat chat(&leader, 30000);
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return chat.sent() >= 10000; }));
  const auto killed = std::chrono::steady_clock::now();
  leader.StopRoseyd(SIGKILL);
  const int64_t failover = MillisUntilLeading(follower, killed);
  ASSERT_GE(failover, 0) << follower.Log();
  std::printf("failover: SIGKILL of the leader to the other's roseyd_store_leader 1: %lld ms\n",
              static_cast<long long>(failover));
  chat.ExpectEachOnce();
  EXPECT_NE(follower.Log().find("this roseyd now writes to postgresql://"), std::string::npos)
      << follower.Log();
  EXPECT_EQ(follower.StopRoseyd(), 0) << follower.Log();
}

// The leader is cut off from PostgreSQL under load: its role may no longer
// log in and its sessions are ended, as when the network between them goes.
// It cannot write; the other takes the claim and carries on. When the first
// can connect again it finds the claim taken, stops writing for good and
// follows. Every line is in the database once.
TEST(SeveralRoseydTest, ALeaderCutOffFromPostgresStopsWritingAndAnotherTakesOver) {
  PostgresServer server;  // of its own: the test changes a role
  RoseydWorld leader(StoreKind::kPostgres, &server);
  leader.Exec("CREATE ROLE cutoff LOGIN SUPERUSER");
  std::string url = leader.store_url();
  url.replace(url.find("postgres@"), 9, "cutoff@");
  leader.StartNats({}, /*jetstream=*/true);
  leader.StartRoseyd({"--set", "service.durability=jetstream", "--set", "store.url=" + url});
  RoseydWorld follower;
  follower.StartRoseyd(Beside(leader, kDurable));
  NumberedChat chat(&leader, 30000);
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return chat.sent() >= 10000; }));
  const auto cut = std::chrono::steady_clock::now();
  leader.Exec("ALTER ROLE cutoff NOLOGIN");
  leader.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'cutoff'");
  const int64_t failover = MillisUntilLeading(follower, cut);
  ASSERT_GE(failover, 0) << follower.Log();
  std::printf(
      "failover: leader cut off from PostgreSQL to the other's roseyd_store_leader 1: "
      "%lld ms\n",
      static_cast<long long>(failover));
  chat.ExpectEachOnce();
  leader.Exec("ALTER ROLE cutoff LOGIN");
  EXPECT_TRUE(RoseydWorld::WaitFor([&] { return leader.Metric("roseyd_store_leader") == 0; },
                                   milliseconds(15000)))
      << leader.Log();
  EXPECT_NE(leader.Log().find("lost the writer's claim"), std::string::npos) << leader.Log();
  EXPECT_EQ(leader.QueryInt("SELECT COUNT(*) FROM recent_chat"), 30000);
  EXPECT_EQ(leader.StopRoseyd(), 0) << leader.Log();
  EXPECT_EQ(follower.StopRoseyd(), 0) << follower.Log();
}

// PostgreSQL restarted under load beside two roseyd: every session ends and
// whichever roseyd reconnects first leads; the other follows. Nothing is
// lost or written twice.
TEST(SeveralRoseydTest, APostgresRestartUnderLoadLeavesOneLeaderAndEachLineOnce) {
  PostgresServer server;  // of its own: this test stops it
  RoseydWorld leader(StoreKind::kPostgres, &server);
  leader.StartNats({}, /*jetstream=*/true);
  leader.StartRoseyd(kDurable);
  RoseydWorld follower;
  follower.StartRoseyd(Beside(leader, kDurable));
  NumberedChat chat(&leader, 30000);
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return chat.sent() >= 10000; }));
  server.Stop();
  std::this_thread::sleep_for(milliseconds(1000));
  const auto restarted = std::chrono::steady_clock::now();
  server.Start();
  chat.ExpectEachOnce();
  std::printf("restart: every line in %lld ms after PostgreSQL started again\n",
              static_cast<long long>(std::chrono::duration_cast<milliseconds>(
                                         std::chrono::steady_clock::now() - restarted)
                                         .count()));
  EXPECT_TRUE(RoseydWorld::WaitFor([&] {
    return leader.Metric("roseyd_store_leader") + follower.Metric("roseyd_store_leader") == 1;
  })) << leader.Log()
      << follower.Log();
  const std::string logs = leader.Log() + follower.Log();
  EXPECT_NE(logs.find("lost the connection to PostgreSQL"), std::string::npos) << logs;
  EXPECT_EQ(leader.StopRoseyd(), 0) << leader.Log();
  EXPECT_EQ(follower.StopRoseyd(), 0) << follower.Log();
}

}  // namespace
}  // namespace roseyd::testing
