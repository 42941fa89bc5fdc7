// SIGTERM in every state of the real roseyd: idle, under load, NATS gone, the
// database locked by another program, and in the middle of each kind of
// benchmark scenario. Each prints how long the stop took. The assertions are
// that the stop did not wait for a fixed timeout (a 30 s drain, 5 s busy
// waits, a scenario's 10 s wait), with a generous bound, and that nothing
// received was lost.

#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"
#include "integration/sqlite_write_lock.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;


std::string Chat(const std::string& user, int64_t n) {
  return json{{"username", user}, {"message", "line " + std::to_string(n)}}.dump();
}

bool FileExists(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0;
}

// The number in the first log line after `from` matching `pattern` (one
// capture group), or -1.
int64_t LoggedNumber(const std::string& log, const std::string& pattern, size_t from = 0) {
  std::smatch match;
  const std::string tail = log.substr(std::min(from, log.size()));
  if (!std::regex_search(tail, match, std::regex(pattern))) return -1;
  return std::stoll(match[1]);
}

TEST(StopTest, Idle) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();
  world.Publish("rosey.db.user.joined", R"({"username":"idle"})");
  world.Request("rosey.db.query.channel_stats", "{}");
  EXPECT_LT(TimedStop(&world, "idle"), kStopBoundMs);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM user_stats WHERE username = 'idle'"), 1);
}

// Events keep coming while the stop runs: every event roseyd received is in
// the file (the log's count of received events is what the file holds).
TEST(StopTest, UnderLoad) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> sent{0};
  std::thread publisher([&] {
    auto next = std::chrono::steady_clock::now();
    while (!stop) {
      for (int i = 0; i < 20; ++i) {  // 20 events a millisecond
        if (world.client().Publish("rosey.db.message.log", Chat("load", sent)).ok()) ++sent;
      }
      next += milliseconds(1);
      std::this_thread::sleep_until(next);
    }
  });
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return sent > 20000; }));
  const double ms = TimedStop(&world, "under load (20,000 ev/s offered)");
  stop = true;
  publisher.join();
  EXPECT_LT(ms, kStopBoundMs);
  const std::string log = world.Log();
  const int64_t received = LoggedNumber(log, R"(this run: (\d+) events received)");
  const int64_t committed = LoggedNumber(log, R"(events received, (\d+) committed)");
  std::printf("[ figure ] sent %lld, received %lld, committed %lld\n",
              static_cast<long long>(sent.load()), static_cast<long long>(received),
              static_cast<long long>(committed));
  ASSERT_GT(received, 0) << log;
  EXPECT_EQ(committed, received);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat"), received);
  EXPECT_FALSE(FileExists(world.db_path() + ".pending"));
}

// With the server gone nothing more can arrive: the stop does not spend
// service.drain_timeout (30 s) on a drain that needs the server.
TEST(StopTest, NatsUnreachable) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd({"--set", "service.drain_timeout=30s"});
  for (int i = 0; i < 100; ++i) world.Publish("rosey.db.message.log", Chat("before", i));
  world.Request("rosey.db.query.channel_stats", "{}");
  world.StopNats();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return world.Metric("roseyd_nats_connected") == 0; }));
  EXPECT_LT(TimedStop(&world, "with NATS unreachable"), kStopBoundMs);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat"), 100);
  EXPECT_NE(world.Log().find("NATS is not connected"), std::string::npos) << world.Log();
}

// Another program holds the write lock past the stop: the events received
// and not committed go to <database>.pending, and the next start commits
// them first, once. (A start while the lock is still held stops at the
// schema check, naming the lock; writer/event_writer_stop_test.cc covers a
// second stop before the kept events could commit.)
TEST(StopTest, DatabaseLockedByAnotherProgram) {
  constexpr int kBefore = 50;
  constexpr int kLocked = 300;
  RoseydWorld world;
  const std::string pending = world.db_path() + ".pending";
  world.StartNats();
  world.StartRoseyd({"--set", "store.stop_timeout=1s"});  // busy_timeout stays 5 s
  world.Publish("rosey.db.user.joined", R"({"username":"locked"})");
  for (int i = 0; i < kBefore; ++i) world.Publish("rosey.db.message.log", Chat("locked", i));
  world.Request("rosey.db.query.channel_stats", "{}");
  ASSERT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat"), kBefore);

  auto lock = std::make_unique<SqliteWriteLock>(world.db_path());
  ASSERT_TRUE(lock->held());
  for (int i = kBefore; i < kBefore + kLocked; ++i) {
    world.Publish("rosey.db.message.log", Chat("locked", i));
  }
  ASSERT_TRUE(RoseydWorld::WaitFor([&] {
    return world.Metric("roseyd_events_received_total{subject=\"message.log\"}") ==
           kBefore + kLocked;
  }));
  EXPECT_LT(TimedStop(&world, "with the database locked"), kStopBoundMs);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat"), kBefore);
  ASSERT_TRUE(FileExists(pending));
  EXPECT_EQ(LoggedNumber(world.Log(), R"((\d+) received events could not commit)"), kLocked)
      << world.Log();

  lock.reset();
  const size_t log_from = world.Log().size();
  world.StartRoseyd();
  EXPECT_EQ(LoggedNumber(world.Log(), R"(committing first the (\d+) events)", log_from), kLocked);
  world.Request("rosey.db.query.channel_stats", "{}");
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return !FileExists(pending); })) << world.Log();
  // received = committed before the stop + committed from the file, none twice.
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat"), kBefore + kLocked);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat"), kBefore + kLocked);
  EXPECT_EQ(world.QueryInt("SELECT total_chat_lines FROM user_stats WHERE username = 'locked'"),
            kBefore + kLocked);
  EXPECT_LT(TimedStop(&world, "after the replay"), kStopBoundMs);
}

// One scenario of each kind, long enough that the SIGTERM lands in its
// middle; roseyd runs it at start-up against itself, as the shipped config
// does with the quick suite.
struct ScenarioCase {
  const char* kind;
  const char* keys;  // the scenario's YAML keys besides name, kind and the rest
  int into_ms;       // how long after the scenario starts to stop
  bool postgres = false;  // gets bench.store_url: a PostgreSQL database of its own
};

class StopMidScenarioTest : public ::testing::TestWithParam<ScenarioCase> {};

TEST_P(StopMidScenarioTest, CancelsTheRunAndStops) {
  const ScenarioCase& c = GetParam();
  RoseydWorld world;
  const std::string scenarios = world.dir().File("scenarios.yaml");
  std::ofstream(scenarios) << "suites: {quick: [s]}\nscenarios:\n  - name: s\n    kind: "
                           << c.kind << "\n    category: latency\n    priority: P1\n"
                           << "    description: stopped in the middle\n    " << c.keys << "\n";
  world.StartNats({}, /*jetstream=*/true);
  std::vector<std::string> args = {"--set", "bench.run_at_start=quick", "--set",
                                   "bench.scenarios_file=" + scenarios, "--set",
                                   "bench.out_dir=" + world.dir().File("bench")};
  std::optional<TestDatabase> database;
  if (c.postgres) {
    database.emplace();
    args.insert(args.end(), {"--set", "bench.store_url=" + database->url()});
  }
  world.StartRoseyd(args);
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.Log().find("scenario s starting") != std::string::npos; }))
      << world.Log();
  std::this_thread::sleep_for(milliseconds(c.into_ms));
  ASSERT_EQ(world.Log().find("suite done"), std::string::npos) << "finished too soon";
  EXPECT_LT(TimedStop(&world, (std::string("mid-scenario ") + c.kind).c_str()), kStopBoundMs);
  EXPECT_NE(world.Log().find("cancelled"), std::string::npos) << world.Log();
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, StopMidScenarioTest,
    ::testing::Values(
        ScenarioCase{"events", "rate: 200\n    duration: 30s\n    publishers: 2", 1500},
        ScenarioCase{"burst", "events: 3000000\n    publishers: 1", 1500},
        ScenarioCase{"requests", "rate: 200\n    duration: 30s", 1500},
        // Stopped in its NATS phase: its store API phase then starts cancelled.
        ScenarioCase{"cpu_overhead", "rate: 100\n    duration: 30s\n    idle: 500ms", 1500},
        ScenarioCase{"memory_baseline",
                     "rate: 500\n    duration: 30s\n    idle: 500ms\n    publishers: 2", 1500},
        ScenarioCase{"memory_stability",
                     "rate: 500\n    duration: 30s\n    warmup: 2s\n    publishers: 2", 1500},
        ScenarioCase{"mixed", "rate: 300\n    duration: 30s\n    publishers: 4", 1500},
        // Stopped before its restart (a third of the way in), and during the load after it.
        ScenarioCase{"restart", "rate: 200\n    duration: 30s\n    publishers: 1", 1500},
        ScenarioCase{"restart", "rate: 200\n    duration: 6s\n    publishers: 1", 3000},
        ScenarioCase{"restart",
                     "durability: jetstream\n    rate: 200\n    duration: 6s\n    publishers: 1",
                     3000},
        ScenarioCase{"capacity",
                     "rates: [1000, 2000]\n    step: 20s\n    p99_target_ms: 1000\n"
                     "    publishers: 2",
                     1500},
        // The plugin storage API's: requests waiting on their commits.
        ScenarioCase{"kv_latency", "rate: 500\n    duration: 30s", 1500},
        ScenarioCase{"row_insert_latency", "rate: 500\n    duration: 30s", 1500},
        ScenarioCase{"row_search_latency", "rate: 500\n    duration: 30s", 1500},
        // Two instances on PostgreSQL: before the leader stops, and after.
        ScenarioCase{"failover", "rate: 2000\n    duration: 30s\n    publishers: 2", 1500, true},
        ScenarioCase{"failover", "rate: 2000\n    duration: 6s\n    publishers: 2", 3000, true}),
    [](const ::testing::TestParamInfo<ScenarioCase>& info) {
      return std::string(info.param.kind) + "_" + std::to_string(info.index);
    });

}  // namespace
}  // namespace roseyd::testing
