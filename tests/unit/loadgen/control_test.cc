#include "loadgen/controller.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "unit/loadgen/fake_target.h"

namespace roseyd::loadgen {
namespace {

using nlohmann::json;

json Ask(BenchController& c, const std::string& verb, const json& request) {
  return json::parse(c.HandleControl(verb, request.dump()));
}

// The control subjects on, with the token "s3cret".
Config ControlOn() {
  Config config;
  config.bench.control.enabled = true;
  config.bench.control.token = "s3cret";
  return config;
}

TEST(BenchControlTest, RefusedWhenDisabledEvenWithAToken) {
  Config config;
  config.bench.control.token = "s3cret";
  FakeTarget target;
  BenchController controller(config, &target, nullptr, nullptr);
  const json reply = Ask(controller, "list", {{"token", "s3cret"}});
  EXPECT_EQ(reply.value("error", ""), "refused: missing or wrong token");
}

TEST(BenchControlTest, RefusedWithoutOrWithTheWrongToken) {
  const Config config = ControlOn();
  FakeTarget target;
  BenchController controller(config, &target, nullptr, nullptr);
  for (const json& request : {json::object(), json{{"token", "wrong!"}}, json{{"token", 42}}}) {
    EXPECT_EQ(Ask(controller, "start", request).value("error", ""), "refused: missing or wrong token");
  }
  EXPECT_EQ(controller.HandleControl("start", "not json"),
            R"({"error":"request must be a JSON object"})");
  EXPECT_FALSE(controller.Running());
}

// ctl list shows what each scenario does and how big it is, as the suite
// asked for (quick by default: what a start naming scenarios runs) sizes it.
TEST(BenchControlTest, ListSaysWhatEachScenarioDoesAndItsSize) {
  const Config config = ControlOn();
  FakeTarget target;
  BenchController controller(config, &target, nullptr, nullptr);
  const json quick = Ask(controller, "list", {{"token", "s3cret"}});
  EXPECT_EQ(quick.value("sizes_of_suite", ""), "quick");
  ASSERT_EQ(quick["details"].size(), quick["scenarios"].size());
  const ScenarioCatalog catalog = LoadScenarios("");
  for (const std::string& name : catalog.Names()) {
    SCOPED_TRACE(name);
    const json& about = quick["details"][name];
    EXPECT_EQ(about.value("description", ""), catalog.Get(name, "quick").description);
    EXPECT_EQ(about.value("size", ""), catalog.Get(name, "quick").SizeText());
    EXPECT_FALSE(about.value("size", "").empty());
  }
  // The quick suite shrinks single_event_latency; classic runs it whole.
  const json classic = Ask(controller, "list", {{"token", "s3cret"}, {"suite", "classic"}});
  EXPECT_EQ(classic["details"]["single_event_latency"].value("size", ""),
            catalog.Get("single_event_latency", "classic").SizeText());
  EXPECT_NE(classic["details"]["single_event_latency"], quick["details"]["single_event_latency"]);
}

TEST(BenchControlTest, CapsRefuseScenariosAboveTheLimits) {
  Config config = ControlOn();
  config.bench.control.max_rate = 10;  // every built-in scenario offers more
  config.bench.out_dir = ::testing::TempDir() + "/bench-control-caps";
  FakeTarget target;
  BenchController controller(config, &target, nullptr, nullptr);
  ASSERT_TRUE(Ask(controller, "start", {{"token", "s3cret"}, {"scenarios", {"burst", "sustained_throughput"}}})
                  .value("started", false));
  controller.Wait();
  const json status = Ask(controller, "status", {{"token", "s3cret"}});
  ASSERT_EQ(status["done"].size(), 2u);
  EXPECT_EQ(status["done"][1], "sustained_throughput: NOT RUN");
}

TEST(BenchControlTest, RefusesUnknownFieldsAndOutOfRangeValuesBeforeStarting) {
  const Config config = ControlOn();
  FakeTarget target;
  BenchController controller(config, &target, nullptr, nullptr);
  EXPECT_EQ(Ask(controller, "start", {{"token", "s3cret"}, {"rate", 10000000}}).value("error", ""),
            "rate: 10000000 is out of range (0 < rate <= 20000, bench.control.max_rate)");
  EXPECT_EQ(Ask(controller, "start", {{"token", "s3cret"}, {"speed", 1}}).value("error", ""),
            "unknown field 'speed' (start takes: token, suite, scenarios, rate, duration_s)");
  EXPECT_EQ(Ask(controller, "cancel", {{"token", "s3cret"}, {"run", 1}}).value("error", ""),
            "unknown field 'run' (cancel takes: token)");
  // The token is checked first: a stranger learns nothing of the schema.
  EXPECT_EQ(Ask(controller, "start", {{"token", "nope"}, {"speed", 1}}).value("error", ""),
            "refused: missing or wrong token");
  EXPECT_FALSE(controller.Running());
  const json status = Ask(controller, "status", {{"token", "s3cret"}});
  EXPECT_EQ(status.value("run", -1), 0);
  EXPECT_TRUE(status.at("exit_status").is_null());
}

TEST(BenchControlTest, EachRunWritesAFolderOfItsOwnAndStatusTellsHowItEnded) {
  Config config = ControlOn();
  config.bench.control.max_rate = 10;  // every built-in scenario offers more: refused, quickly
  config.bench.out_dir = ::testing::TempDir() + "/bench-control-folders";
  std::filesystem::remove_all(config.bench.out_dir);
  config.bench.keep_runs = 2;
  FakeTarget target;
  BenchController controller(config, &target, nullptr, nullptr);
  std::vector<std::string> reports;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Ask(controller, "start", {{"token", "s3cret"}, {"scenarios", {"burst"}}})
                    .value("started", false));
    controller.Wait();
    const json status = Ask(controller, "status", {{"token", "s3cret"}});
    EXPECT_EQ(status.value("last_run", 0), i + 1);
    EXPECT_EQ(status.value("exit_status", -1), 0);  // burst is P2: refused does not fail the run
    EXPECT_FALSE(status.value("cancelled", true));
    reports.push_back(status.value("report", ""));
    ASSERT_TRUE(std::filesystem::exists(reports.back())) << reports.back();
  }
  EXPECT_NE(reports[0], reports[1]);  // never overwritten
  EXPECT_FALSE(std::filesystem::exists(reports[0])) << "pruned to bench.keep_runs";
  EXPECT_TRUE(std::filesystem::exists(reports[1]));
  EXPECT_EQ(std::filesystem::canonical(config.bench.out_dir + "/latest/BENCHMARK_RESULTS.md"),
            std::filesystem::canonical(reports[2]));
  // The second run on was compared with the one before it.
  std::ifstream in(reports[2]);
  const std::string md((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(md.find("the previous run, shown for comparison"), std::string::npos);
}

}  // namespace
}  // namespace roseyd::loadgen
