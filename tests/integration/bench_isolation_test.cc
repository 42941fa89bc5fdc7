// The load generator of a running roseyd drives a service instance of its
// own: the start-up suite leaves the bot's database, subjects and metrics
// alone, while the bot's service keeps serving (and is probed).

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/mutex.h"
#include "bus/subscription.h"
#include "integration/bench_world.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string WithoutLastOpen(const std::string& snapshot) {
  return std::regex_replace(snapshot, std::regex("\n  last_open\\|[0-9]+\n"), "\n  last_open|(a start)\n");
}

TEST(BenchIsolationTest, TheStartUpSuiteLeavesTheBotsRowsSubjectsAndMetricsAlone) {
  RoseydWorld world;
  world.StartNats();
  // The bot's own data, from a first run of roseyd.
  world.StartRoseyd();
  world.Publish("rosey.db.user.joined", R"({"username":"alice"})");
  world.Publish("rosey.db.message.log", R"({"username":"alice","message":"hello"})");
  world.Publish("rosey.db.stats.user_count", R"({"chat_count":3,"connected_count":5})");
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.QueryInt("SELECT COUNT(*) FROM recent_chat") == 1; }));
  ASSERT_EQ(world.StopRoseyd(), 0);
  const std::string before = SnapshotTables(world.db_path());
  ASSERT_NE(before.find("alice"), std::string::npos) << before;

  // Everything published on the bot's subjects while the suite runs.
  Mutex mu;
  std::vector<std::string> on_bot_subjects;
  auto watch = world.client().Subscribe("rosey.db.>", "", [&](const bus::Message& m) {
    MutexLock lock(&mu);
    on_bot_subjects.emplace_back(m.subject);
  });
  ASSERT_TRUE(world.client().Flush(2000ms).ok());

  const std::string catalog = world.dir().File("scenarios.yaml");
  std::ofstream(catalog) << kSmallCatalog;
  world.StartRoseyd({"--set", "bench.run_at_start=quick", "--set",
                     "bench.scenarios_file=" + catalog});
  const std::string latest = world.dir().File("bench/latest/benchmark_results.json");
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return std::filesystem::exists(latest); }, 120s))
      << world.Log();
  const double bot_chat = world.Metric("roseyd_events_received_total{subject=\"message.log\"}");
  const double bench_sent = world.Metric("roseyd_loadgen_events_sent_total{scenario=\"burst\"}");
  ASSERT_EQ(world.StopRoseyd(), 0);

  // The suite ran, and measured something.
  const json report = json::parse(FileText(latest));
  ASSERT_EQ(report.at("scenarios").size(), 6u);
  for (const json& s : report.at("scenarios")) {
    EXPECT_NE(s.at("status"), "NOT RUN") << s.dump();
    EXPECT_GT(s.at("sent").get<uint64_t>(), 0u) << s.at("name");
  }
  EXPECT_EQ(bench_sent, 500);
  EXPECT_NE(report.at("environment").at("config").get<std::string>().find(
                "service.subject_prefix: \"roseyd.bench.load\""),
            std::string::npos)
      << "Config used is the benchmark instance's";

  // Not one row of the bot's database changed, in any table, but the time
  // roseyd itself last opened it (roseyd_meta.last_open, written by every start).
  EXPECT_EQ(WithoutLastOpen(SnapshotTables(world.db_path())), WithoutLastOpen(before));
  // Nothing but the read-only probe reached the bot's subjects...
  {
    MutexLock lock(&mu);
    ASSERT_FALSE(on_bot_subjects.empty()) << "the bot's service was not probed";
    for (const std::string& subject : on_bot_subjects) {
      EXPECT_EQ(subject, "rosey.db.query.user_stats");
    }
  }
  // ... and the bot's event series counted none of the benchmark's events.
  EXPECT_LE(bot_chat, 0) << "the benchmark's chat lines reached the bot's metrics";

  // The bot's latency during the suite beside idle, from that probe.
  const json& bot = report.at("bot_service");
  EXPECT_EQ(bot.at("subject"), "rosey.db.query.user_stats");
  EXPECT_GT(bot.at("idle_sent").get<int>(), 0);
  EXPECT_GT(bot.at("during_sent").get<int>(), bot.at("idle_sent").get<int>());
  EXPECT_EQ(bot.at("during_failed"), 0);
  EXPECT_GT(bot.at("during").at("p99_ms").get<double>(), 0);
  const std::string md = FileText(world.dir().File("bench/latest/BENCHMARK_RESULTS.md"));
  EXPECT_NE(md.find("### The bot's service during this run"), std::string::npos);

  // The scratch database is gone; the report stays.
  EXPECT_FALSE(std::filesystem::exists(world.dir().File("bench/scratch")));
}

}  // namespace
}  // namespace roseyd::testing
