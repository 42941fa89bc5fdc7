// roseyd ctl against a running roseyd: list, start --wait, status, watch,
// cancel, and the refusals, with the exit statuses a script relies on.

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/bench_world.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kToken[] = "ctl-test-token";

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.StartNats();
    const std::string catalog = world_.dir().File("scenarios.yaml");
    std::ofstream(catalog) << kSmallCatalog;
    world_.StartRoseyd({"--set", "bench.control.enabled=true", "--set",
                        std::string("bench.control.token=") + kToken, "--set",
                        "bench.scenarios_file=" + catalog, "--set", "bench.control.max_rate=5000"});
  }

  // roseyd ctl `args` with this world's server and (unless `token` is
  // given) the right token.
  ProcessResult Ctl(std::vector<std::string> args, std::chrono::seconds timeout = 60s,
                    const std::string& token = kToken, const std::string& log = "ctl.log") {
    std::vector<std::string> all = {ROSEYD_BINARY, "ctl"};
    all.insert(all.end(), args.begin(), args.end());
    for (const std::string& a : {std::string("--config"),
                                 std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml",
                                 std::string("--nats-url"), world_.nats_url(),
                                 std::string("--interval"), std::string("200ms")}) {
      all.push_back(a);
    }
    if (!token.empty()) {
      all.push_back("--token");
      all.push_back(token);
    }
    return RunToExit(all, world_.dir().File(log), timeout);
  }

  // The reply as JSON; null (and a test failure) when there is none.
  json RawRequest(const std::string& verb, const std::string& payload) {
    return json::parse(world_.Request("roseyd.bench." + verb, payload), nullptr,
                       /*allow_exceptions=*/false);
  }

  RoseydWorld world_;
};

TEST_F(CtlTest, ListsStartsWaitsWithProgressAndReportsTheVerdict) {
  const ProcessResult list = Ctl({"list"});
  EXPECT_EQ(list.exit, 0) << list.output;
  // Each scenario with its size (as the quick suite runs it) and what it does.
  EXPECT_NE(list.output.find("scenarios, sized as the quick suite runs them"), std::string::npos)
      << list.output;
  EXPECT_NE(list.output.find("single_event_latency: 300 events at 200/s over 1.5 s\n"
                             "    chat lines at a constant rate\n"),
            std::string::npos)
      << list.output;
  EXPECT_NE(list.output.find("burst: 500 events back to back\n"), std::string::npos)
      << list.output;
  EXPECT_NE(list.output.find("suite quick: single_event_latency request_reply_latency"),
            std::string::npos)
      << list.output;

  const ProcessResult run =
      Ctl({"start", "--scenario", "single_event_latency", "--scenario", "request_reply_latency",
           "--wait"});
  EXPECT_EQ(run.exit, 0) << run.output;
  EXPECT_NE(run.output.find("started run 1"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("run 1 [1/2] single_event_latency, "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(": sent "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find(", persisted "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("  single_event_latency: PASS"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("run 1 passed (exit status 0); report: "), std::string::npos)
      << run.output;
  const std::string report = world_.dir().File("bench/latest/BENCHMARK_RESULTS.md");
  EXPECT_NE(run.output.find(std::filesystem::canonical(report).string()), std::string::npos)
      << run.output;

  const ProcessResult status = Ctl({"status"});
  EXPECT_EQ(status.exit, 0) << status.output;
  EXPECT_NE(status.output.find("run 1 passed (exit status 0)"), std::string::npos) << status.output;
  const ProcessResult watch = Ctl({"watch"});  // nothing going on: the last run's verdict
  EXPECT_EQ(watch.exit, 0) << watch.output;

  // A second run has a report folder of its own; the first stays.
  const ProcessResult failing = Ctl({"start", "--suite", "failing", "--wait"});
  EXPECT_EQ(failing.exit, 1) << failing.output;
  EXPECT_NE(failing.output.find("run 2 failed (exit status 1)"), std::string::npos) << failing.output;
  size_t folders = 0;
  for (const auto& e : std::filesystem::directory_iterator(world_.dir().File("bench"))) {
    if (e.is_directory() && !e.is_symlink() && e.path().filename() != "scratch") ++folders;
  }
  EXPECT_EQ(folders, 2u);
  const std::string second = FileText(report);
  EXPECT_NE(second.find("the previous run, shown for comparison"), std::string::npos);
  EXPECT_EQ(world_.StopRoseyd(), 0);
}

TEST_F(CtlTest, RefusesBadRequestsWithAClearErrorAndExitStatusTwo) {
  const ProcessResult rate = Ctl({"start", "--scenario", "burst", "--rate", "10000000"});
  EXPECT_EQ(rate.exit, 2);
  EXPECT_NE(rate.output.find("rate: 10000000 is out of range (0 < rate <= 5000, "
                             "bench.control.max_rate)"),
            std::string::npos)
      << rate.output;
  const ProcessResult name = Ctl({"start", "--scenario", "no_such"});
  EXPECT_EQ(name.exit, 2);
  EXPECT_NE(name.output.find("scenarios: no scenario named 'no_such'"), std::string::npos)
      << name.output;
  const ProcessResult token = Ctl({"status"}, 60s, "wrong");
  EXPECT_EQ(token.exit, 2);
  EXPECT_NE(token.output.find("refused: missing or wrong token"), std::string::npos)
      << token.output;
  const ProcessResult usage = Ctl({"launch"});
  EXPECT_EQ(usage.exit, 2);
  EXPECT_NE(usage.output.find("unknown ctl command 'launch'"), std::string::npos) << usage.output;
  // An unknown field, as any NATS client could send it.
  EXPECT_EQ(RawRequest("start", R"({"token":"ctl-test-token","rate":100,"bogus":1})")
                .value("error", ""),
            "unknown field 'bogus' (start takes: token, suite, scenarios, rate, duration_s)");
  EXPECT_EQ(RawRequest("start", R"({"token":"ctl-test-token","duration_s":"long"})")
                .value("error", ""),
            "duration_s: expected a number of seconds, got \"long\"");
  // Nothing started.
  EXPECT_EQ(RawRequest("status", R"({"token":"ctl-test-token"})").value("run", -1), 0);
  // No server: exit 2, at once.
  const auto began = std::chrono::steady_clock::now();
  const ProcessResult none = RunToExit(
      {ROSEYD_BINARY, "ctl", "status", "--config",
       std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml", "--nats-url",
       "nats://127.0.0.1:" + std::to_string(bus::FindFreePort()), "--token", kToken},
      world_.dir().File("ctl-none.log"));
  EXPECT_EQ(none.exit, 2) << none.output;
  EXPECT_LT(std::chrono::steady_clock::now() - began, 15s);
  EXPECT_EQ(world_.StopRoseyd(), 0);
}

TEST_F(CtlTest, CancelStopsTheRunAndItsWaiterSaysCancelled) {
  ProcessResult waited;
  std::thread waiter([&] {
    waited = Ctl({"start", "--suite", "slow", "--wait"}, 60s, kToken, "ctl-wait.log");
  });
  const bool slow_going = RoseydWorld::WaitFor(
      [&] {
        const json status = RawRequest("status", R"({"token":"ctl-test-token"})");
        return status.is_object() && status.value("scenario", "") == "slow";
      },
      20s);
  if (!slow_going) {
    (void)Ctl({"cancel"});
    waiter.join();
    FAIL() << "the slow suite never showed in status; the waiter said:\n" << waited.output;
  }
  const ProcessResult again = Ctl({"start", "--suite", "slow"});
  EXPECT_EQ(again.exit, 2);
  EXPECT_NE(again.output.find("already going"), std::string::npos) << again.output;
  const ProcessResult cancel = Ctl({"cancel"});
  EXPECT_EQ(cancel.exit, 0) << cancel.output;
  EXPECT_NE(cancel.output.find("cancelling the run going on"), std::string::npos) << cancel.output;
  waiter.join();
  EXPECT_EQ(waited.exit, 2) << waited.output;
  EXPECT_NE(waited.output.find("run 1 was cancelled (exit status 2)"), std::string::npos)
      << waited.output;
  // Shown CANCELLED everywhere: ctl, the report, its JSON, the gauge (5).
  EXPECT_NE(waited.output.find("  slow: CANCELLED"), std::string::npos) << waited.output;
  const std::string md = FileText(world_.dir().File("bench/latest/BENCHMARK_RESULTS.md"));
  EXPECT_NE(md.find("**Cancelled**"), std::string::npos);
  EXPECT_NE(md.find("#### slow: CANCELLED"), std::string::npos) << md;
  const json report =
      json::parse(FileText(world_.dir().File("bench/latest/benchmark_results.json")));
  EXPECT_EQ(report.at("scenarios").at(0).at("status"), "CANCELLED");
  const std::string scrape = world_.Scrape();
  const size_t gauge = scrape.find("roseyd_bench_status{scenario=\"slow\"");
  ASSERT_NE(gauge, std::string::npos) << scrape;
  const std::string line = scrape.substr(gauge, scrape.find('\n', gauge) - gauge);
  EXPECT_EQ(line.substr(line.rfind(' ') + 1), "5") << line;
  EXPECT_EQ(RawRequest("status", R"({"token":"ctl-test-token"})")["done"][0], "slow: CANCELLED");
  EXPECT_EQ(world_.StopRoseyd(), 0);
}

}  // namespace
}  // namespace roseyd::testing
