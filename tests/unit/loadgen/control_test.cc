#include "loadgen/controller.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "unit/loadgen/fake_target.h"

namespace roseyd::loadgen {
namespace {

using nlohmann::json;

json Ask(BenchController& c, const std::string& verb, const json& request) {
  return json::parse(c.HandleControl(verb, request.dump()));
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
  Config config;
  config.bench.control.enabled = true;
  config.bench.control.token = "s3cret";
  FakeTarget target;
  BenchController controller(config, &target, nullptr, nullptr);
  for (const json& request : {json::object(), json{{"token", "wrong!"}}, json{{"token", 42}}}) {
    EXPECT_EQ(Ask(controller, "start", request).value("error", ""), "refused: missing or wrong token");
  }
  EXPECT_EQ(controller.HandleControl("start", "not json"),
            R"({"error":"request must be a JSON object"})");
  EXPECT_FALSE(controller.Running());
}

TEST(BenchControlTest, CapsRefuseScenariosAboveTheLimits) {
  Config config;
  config.bench.control.enabled = true;
  config.bench.control.token = "s3cret";
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

}  // namespace
}  // namespace roseyd::loadgen
