// roseyd bench --nats-url against a running roseyd (the real binary, both
// sides): every event followed to its commit through the service's commit
// acknowledgements, rows counted in its database when --db names it.

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/mutex.h"
#include "bus/subscription.h"
#include "integration/roseyd_process.h"

extern char** environ;

namespace roseyd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kAckSubject[] = "roseyd.test.commits";

// Small, quick scenarios: two P0s that run against another process and one
// that cannot (it compares CPU inside this process), made P0 here to show
// that a scenario inapplicable to the target does not fail the run.
constexpr char kScenarios[] = R"(
suites:
  quick: [single_event_latency, request_reply_latency, cpu_overhead]
scenarios:
  - name: single_event_latency
    kind: events
    category: latency
    priority: P0
    description: chat lines at a constant rate, each followed to its commit
    rate: 200
    events: 200
    publishers: 1
    targets:
      - {metric: lost, at_most: 0}
  - name: request_reply_latency
    kind: requests
    category: latency
    priority: P0
    description: the four query subjects in turn
    rate: 200
    events: 100
    targets:
      - {metric: failed_requests, at_most: 0}
  - name: cpu_overhead
    kind: cpu_overhead
    category: cpu
    priority: P0
    description: the NATS path against the store API
    rate: 100
    duration: 1s
    idle: 1s
    targets:
      - {metric: cpu_points_over_idle, at_most: 5}
)";

class LoadgenRemoteBenchTest : public ::testing::Test {
 protected:
  // Runs `roseyd bench` with `args` to its exit (at most `timeout`); its
  // output goes to bench.log. Returns the exit status (-1: killed).
  int RunBench(const std::vector<std::string>& extra, std::chrono::seconds timeout = 60s) {
    std::ofstream(world_.dir().File("scenarios.yaml")) << kScenarios;
    std::vector<std::string> args = {
        ROSEYD_BINARY, "bench",
        "--config",    std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml",
        "--scenarios", world_.dir().File("scenarios.yaml"),
        "--out",       out_dir_};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunToExit(args, world_.dir().File("bench.log"), timeout).exit;
  }

  std::string BenchLog() const { return FileText(world_.dir().File("bench.log")); }

  json Scenario(const std::string& name) const {
    std::ifstream in(out_dir_ + "/benchmark_results.json");
    const json report = json::parse(in);
    for (const json& s : report.at("scenarios")) {
      if (s.at("name") == name) return s;
    }
    ADD_FAILURE() << name << " is not in the report";
    return json::object();
  }

  void StartRoseydWithAcks() {
    world_.StartNats();
    world_.StartRoseyd({"--set", std::string("service.commit_ack_subject=") + kAckSubject});
  }

  RoseydWorld world_;
  const std::string out_dir_ = world_.dir().File("report");
};

TEST_F(LoadgenRemoteBenchTest, FollowsEveryEventToItsCommitAndCountsRowsInItsDatabase) {
  StartRoseydWithAcks();
  const int exit = RunBench({"--nats-url", world_.nats_url(), "--ack-subject", kAckSubject,
                             "--db", world_.db_path()});
  ASSERT_EQ(exit, 0) << BenchLog();  // the P0s passed; cpu_overhead's NOT RUN does not fail it

  const json events = Scenario("single_event_latency");
  EXPECT_EQ(events.at("status"), "PASS") << events.dump();
  EXPECT_EQ(events.at("sent"), 200);
  EXPECT_EQ(events.at("persisted"), 200);  // counted in the service's file
  EXPECT_EQ(events.at("lost"), 0);
  const json latency = events.at("event_latency");
  EXPECT_EQ(latency.at("n"), 200);
  EXPECT_GT(latency.at("min_ms").get<double>(), 0.0);
  EXPECT_GT(latency.at("mean_ms").get<double>(), 0.0);
  EXPECT_NE(events.at("note").get<std::string>().find("commit acknowledgement"), std::string::npos);
  // And the rows really are in the service's database.
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM recent_chat WHERE username LIKE 'bench%'"), 200);

  const json requests = Scenario("request_reply_latency");
  EXPECT_EQ(requests.at("status"), "PASS") << requests.dump();
  EXPECT_EQ(requests.at("sent"), 100);

  const json cpu = Scenario("cpu_overhead");
  EXPECT_EQ(cpu.at("status"), "NOT RUN");
  EXPECT_EQ(cpu.at("inapplicable"), true);
  EXPECT_NE(cpu.at("note").get<std::string>().find("another process"), std::string::npos)
      << cpu.dump();
  EXPECT_EQ(world_.StopRoseyd(), 0);
}

TEST_F(LoadgenRemoteBenchTest, WithoutTheDatabaseCountsPersistedFromTheAcknowledgements) {
  StartRoseydWithAcks();
  const int exit = RunBench({"--nats-url", world_.nats_url(), "--ack-subject", kAckSubject,
                             "--scenario", "single_event_latency"});
  ASSERT_EQ(exit, 0) << BenchLog();
  const json events = Scenario("single_event_latency");
  EXPECT_EQ(events.at("sent"), 200);
  EXPECT_EQ(events.at("persisted"), 200);
  EXPECT_EQ(events.at("lost"), 0);
  EXPECT_NE(events.at("note").get<std::string>().find("persisted counted from those acknowledgements"),
            std::string::npos)
      << events.dump();
}

TEST_F(LoadgenRemoteBenchTest, ARoseydThatDoesNotAcknowledgeIsACouldNotRun) {
  world_.StartNats();
  world_.StartRoseyd();  // service.commit_ack_subject off (the default)
  const auto began = std::chrono::steady_clock::now();
  EXPECT_EQ(RunBench({"--nats-url", world_.nats_url(), "--ack-subject", kAckSubject}), 2);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 20s);
  EXPECT_NE(BenchLog().find("no commit acknowledgement on '" + std::string(kAckSubject)),
            std::string::npos)
      << BenchLog();
}

// The service side alone: one message per committed batch with the trace ids
// of its traced events; untraced events (a bot's) produce none.
TEST_F(LoadgenRemoteBenchTest, ServiceAcknowledgesTracedEventsOnly) {
  StartRoseydWithAcks();
  Mutex mu;
  std::vector<std::string> acks;
  auto subscription = world_.client().Subscribe(kAckSubject, "", [&](const bus::Message& m) {
    MutexLock lock(&mu);
    acks.emplace_back(m.data);
  });
  ASSERT_TRUE(world_.client().Flush(2000ms).ok());
  world_.Publish("rosey.db.message.log", R"({"username":"bot","message":"untraced"})");
  ASSERT_TRUE(world_.client()
                  .PublishTraced("rosey.db.message.log", R"({"username":"bot","message":"a"})", 41)
                  .ok());
  ASSERT_TRUE(world_.client()
                  .PublishTraced("rosey.db.user.joined", R"({"username":"bot"})", 42)
                  .ok());
  // Refused by the decoder (no username): never reaches the store, never acked.
  ASSERT_TRUE(world_.client().PublishTraced("rosey.db.message.log", R"({"message":"x"})", 43).ok());
  const auto acked = [&] {
    MutexLock lock(&mu);
    std::vector<uint64_t> ids;
    for (const auto& a : acks) {
      const json ack = json::parse(a);
      EXPECT_TRUE(ack.at("rejected").empty()) << a;
      for (const auto& id : ack.at("trace_ids")) ids.push_back(id.get<uint64_t>());
    }
    return ids;
  };
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return acked().size() >= 2; }));
  usleep(200'000);  // room for anything that should not come
  EXPECT_EQ(acked(), (std::vector<uint64_t>{41, 42}));
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM recent_chat WHERE username = 'bot'"), 2);
}

}  // namespace
}  // namespace roseyd::testing
