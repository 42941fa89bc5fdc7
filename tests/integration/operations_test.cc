// roseyd as an operator meets it (issue 19): the readiness endpoint beside
// /metrics, what it says while NATS is unreachable at start, a missing
// service.plugins_dir, a failed start's error first.

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"
#include "support/http_get.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

HttpResponse Ready(const RoseydWorld& world) {
  return HttpFetch("127.0.0.1", world.metrics_port(), "/ready");
}

// With NATS unreachable at start roseyd starts anyway, says it is not
// connected, does not call itself ready, answers /ready with 503, says so
// again after 5 s, and once NATS is there says it is connected and serves.
TEST(OperationsTest, NatsUnreachableAtStartIsSaidAndRepeatedUntilItConnects) {
  RoseydWorld world;  // NATS not started: its port is free
  world.LaunchRoseyd({"--set", "nats.reconnect_wait=50ms", "--set", "nats.reconnect_wait_max=200ms"});
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return Contains(world.Log(), "started (ready, NATS not connected yet)"); }))
      << world.Log();
  const std::string at_start = world.Log();
  EXPECT_TRUE(Contains(at_start, "is not reachable: roseyd is not connected and keeps trying"))
      << at_start;
  EXPECT_FALSE(Contains(at_start, "ready in")) << at_start;
  const HttpResponse waiting = Ready(world);
  EXPECT_EQ(waiting.status, 503);
  EXPECT_EQ(waiting.body, "not ready: NATS is not connected (roseyd keeps trying)\n");
  // The first reminder is due 5 s after the start.
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return Contains(world.Log(), "still not connected after"); }, 15000ms))
      << world.Log();

  world.StartNats();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return Contains(world.Log(), "NATS connected after"); }))
      << world.Log();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return Ready(world).status == 200; }));
  EXPECT_EQ(Ready(world).body, "ready\n");
  EXPECT_EQ(json::parse(world.Request("rosey.db.query.channel_stats", "{}")).value("success", false),
            true);
  EXPECT_EQ(world.StopRoseyd(), 0);
}

// /ready follows NATS: 503 while the connection is lost, 200 once it is back.
TEST(OperationsTest, ReadyTurns503WhenNatsGoesAndBackWhenItReturns) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd({"--set", "nats.reconnect_wait=50ms", "--set", "nats.reconnect_wait_max=200ms"});
  EXPECT_EQ(Ready(world).status, 200);
  world.StopNats();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return Ready(world).status == 503; })) << world.Log();
  world.StartNats();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return Ready(world).status == 200; })) << world.Log();
  EXPECT_EQ(world.StopRoseyd(), 0);
}

TEST(OperationsTest, AMissingPluginsDirIsWarnedAtStart) {
  RoseydWorld world;
  world.StartNats();
  const std::string missing = world.dir().File("no-such-plugins");
  world.StartRoseyd({"--set", "service.plugins_dir=" + missing});
  EXPECT_TRUE(Contains(world.Log(), "service.plugins_dir '" + missing +
                                        "' is not a directory (it does not exist)"))
      << world.Log();
  EXPECT_EQ(json::parse(world.Request("rosey.db.migrate.quote-db.apply", "{}")).value("reason", ""),
            "service.plugins_dir has no quote-db/migrations directory");
  EXPECT_EQ(world.StopRoseyd(), 0);

  // Unset while plugins are named: their migrations could never be found.
  world.StartRoseyd({"--set", "service.storage_plugins=[quote-db]"});
  EXPECT_TRUE(Contains(world.Log(), "service.plugins_dir is not set: the migrate requests"))
      << world.Log();
  EXPECT_EQ(world.StopRoseyd(), 0);
}

// The cause first: a failed start used to print its shutdown lines (this
// run's counts, the shutdown time) before the error.
TEST(OperationsTest, AFailedStartPrintsItsErrorFirst) {
  RoseydWorld world;
  // The embedded server's binary is missing: start-up fails after the
  // database opened, so there is something to release.
  const int status = world.RunRoseydToExit({"--nats-url", "", "--set", "nats.embedded.port=0",
                                            "--set", "nats.embedded.binary=/nonexistent/nats"});
  EXPECT_EQ(status, 1);
  const std::string log = world.Log();
  const size_t error = log.find("cannot start: ");
  ASSERT_NE(error, std::string::npos) << log;
  EXPECT_FALSE(Contains(log, "this run:")) << log;
  EXPECT_FALSE(Contains(log, "shutdown took")) << log;
  EXPECT_TRUE(Contains(log.substr(error), "/nonexistent/nats")) << log;
}

}  // namespace
}  // namespace roseyd::testing
