// Several roseyd on one PostgreSQL database: exactly one writes (the leader,
// holding the writer's claim), every one answers read requests, and when the
// leader dies another takes over with nothing lost or written twice.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using std::chrono::milliseconds;

const std::vector<std::string> kDurable = {"--set", "service.durability=jetstream"};

// The arguments that point a second roseyd at `leader`'s NATS and database.
std::vector<std::string> Beside(const RoseydWorld& leader, std::vector<std::string> args) {
  args.insert(args.end(), {"--nats-url", leader.nats_url(), "--set",
                           "store.url=" + leader.store_url()});
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
  leader.Publish("rosey.db.user.joined", R"({"username":"load"})");

  constexpr int kEvents = 30000;
  std::atomic<int> sent{0};
  std::thread publisher([&] {
    for (int i = 0; i < kEvents; ++i) {
      const std::string payload =
          R"({"username":"load","message":"line )" + std::to_string(i) + "\"}";
      if (leader.client().Publish("rosey.db.message.log", payload).ok()) sent.fetch_add(1);
      if ((i + 1) % 20 == 0) std::this_thread::sleep_for(milliseconds(1));
    }
    (void)leader.client().Flush(milliseconds(5000));
  });
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return sent.load() >= kEvents / 3; }));
  const auto killed = std::chrono::steady_clock::now();
  leader.StopRoseyd(SIGKILL);
  const bool took_over = RoseydWorld::WaitFor(
      [&] { return follower.Metric("roseyd_store_leader") == 1; }, milliseconds(10000));
  const auto failover = std::chrono::duration_cast<milliseconds>(
      std::chrono::steady_clock::now() - killed);
  publisher.join();
  ASSERT_TRUE(took_over) << follower.Log();
  std::printf("failover: SIGKILL of the leader to the other's roseyd_store_leader 1: %lld ms\n",
              static_cast<long long>(failover.count()));
  ASSERT_EQ(sent.load(), kEvents);
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return leader.QueryInt("SELECT COUNT(*) FROM recent_chat") >= kEvents; },
      milliseconds(30000)));
  EXPECT_EQ(leader.QueryInt("SELECT COUNT(*) FROM recent_chat"), kEvents);
  EXPECT_EQ(leader.QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat"), kEvents);
  EXPECT_EQ(leader.QueryInt("SELECT total_chat_lines FROM user_stats WHERE username = 'load'"),
            kEvents);
  EXPECT_NE(follower.Log().find("this roseyd now writes to postgresql://"), std::string::npos)
      << follower.Log();
  EXPECT_EQ(follower.StopRoseyd(), 0) << follower.Log();
}

}  // namespace
}  // namespace roseyd::testing
