// The control plane running a suite in the background, against a real
// nats-server with no service behind it (label integration).

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "bus/embedded_server.h"
#include "loadgen/controller.h"
#include "unit/loadgen/fake_target.h"

namespace roseyd::loadgen {
namespace {

using nlohmann::json;

json Ask(BenchController& c, const std::string& verb, const json& request) {
  return json::parse(c.HandleControl(verb, request.dump()));
}

TEST(BenchControlTest, ListsStartsRefusesASecondRunAndCancels) {
  Config config;
  config.bench.control.enabled = true;
  config.bench.control.token = "s3cret";
  config.bench.out_dir = ::testing::TempDir() + "/bench-control-test";
  // A real server, but no service: the bots connect and their joins never
  // commit, so the first scenario waits (10 s) and the run is surely going.
  bus::EmbeddedServerOptions options;
  options.port = 0;
  options.jetstream = false;
  bus::EmbeddedServer server(options);
  FakeTarget target(server.url());
  BenchController controller(config, &target, nullptr, nullptr);
  const json list = Ask(controller, "list", {{"token", "s3cret"}});
  ASSERT_TRUE(list.contains("scenarios"));
  EXPECT_EQ(list["suites"]["classic"].size(), 10u);

  EXPECT_EQ(Ask(controller, "start", {{"token", "s3cret"}, {"scenarios", {"no_such"}}}).value("error", ""),
            "scenarios: no scenario named 'no_such'");
  const json started = Ask(controller, "start", {{"token", "s3cret"}, {"suite", "classic"}});
  ASSERT_EQ(started.value("started", false), true) << started.dump();
  ASSERT_TRUE(controller.Running());
  const json second = Ask(controller, "start", {{"token", "s3cret"}, {"suite", "quick"}});
  EXPECT_NE(second.value("error", "").find("already going"), std::string::npos) << second.dump();
  EXPECT_EQ(Ask(controller, "cancel", {{"token", "s3cret"}}).value("cancelled", false), true);
  controller.Wait();
  const json status = Ask(controller, "status", {{"token", "s3cret"}});
  EXPECT_FALSE(status["running"].get<bool>());
  ASSERT_EQ(status["done"].size(), 10u);  // every scenario reported, the rest as cancelled
  EXPECT_EQ(status["done"][9], "service_restart: CANCELLED");
}

}  // namespace
}  // namespace roseyd::loadgen
