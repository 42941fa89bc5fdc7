// roseyd as an operator meets it (issue 19): the readiness endpoint beside
// /metrics, what it says while NATS is unreachable at start, a missing
// service.plugins_dir, a failed start's error first, and roseyd ctl
// request/publish, which check a running roseyd with nothing but roseyd.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bus/subscription.h"
#include "integration/roseyd_process.h"
#include "support/http_get.h"
#include "support/run_to_exit.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// roseyd `args` to its exit, output in `log`.
ProcessResult Roseyd(std::vector<std::string> args, const std::string& log) {
  args.insert(args.begin(), ROSEYD_BINARY);
  return RunToExit(args, log);
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
  EXPECT_FALSE(Contains(at_start, " ready in ")) << at_start;
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

// The test world itself: a metrics port taken between choosing it and
// roseyd binding it (another test's outgoing connection, in CI) is replaced,
// and the start goes on.
TEST(OperationsTest, TheWorldTakesAnotherMetricsPortWhenItsOwnWasTaken) {
  RoseydWorld world;
  world.StartNats();
  const int taken = world.metrics_port();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(taken));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  world.StartRoseyd();
  close(fd);
  EXPECT_NE(world.metrics_port(), taken);
  EXPECT_TRUE(Contains(world.Log(), "cannot listen on 127.0.0.1:" + std::to_string(taken)))
      << world.Log();
  EXPECT_TRUE(Contains(world.Scrape(), "roseyd_"));
  EXPECT_EQ(world.StopRoseyd(), 0);
}

class CtlRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_.StartNats();
    world_.StartRoseyd();
  }

  ProcessResult Ctl(std::vector<std::string> args, const std::string& log = "ctl.log") {
    args.insert(args.begin(), "ctl");
    for (const std::string& a :
         {std::string("--config"), std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml",
          std::string("--nats-url"), world_.nats_url()}) {
      args.push_back(a);
    }
    return Roseyd(args, world_.dir().File(log));
  }

  RoseydWorld world_;
};

// What the switching guide does: an event published, then read back, with
// roseyd alone (no nats CLI).
TEST_F(CtlRequestTest, PublishesAnEventAndRequestsItBack) {
  const auto published = Ctl({"publish", "rosey.db.user.joined", R"({"username":"alice"})"});
  EXPECT_EQ(published.exit, 0) << published.output;
  EXPECT_TRUE(Contains(published.output, "published 20 bytes on rosey.db.user.joined"))
      << published.output;
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world_.QueryInt("SELECT COUNT(*) FROM user_stats WHERE username = 'alice'") == 1; }));
  const auto asked = Ctl({"request", "rosey.db.query.user_stats", R"({"username":"alice"})"});
  EXPECT_EQ(asked.exit, 0) << asked.output;
  const json reply = json::parse(asked.output.substr(0, asked.output.find('\n')));
  EXPECT_EQ(reply.value("username", ""), "alice");
  EXPECT_EQ(reply.value("found", false), true);
}

TEST_F(CtlRequestTest, ExitStatusSaysWhetherTheReplyFailedOrNoneCame) {
  const auto failed = Ctl({"request", "rosey.db.query.user_stats", "{}"});
  EXPECT_EQ(failed.exit, 1) << failed.output;
  EXPECT_TRUE(Contains(failed.output, R"("error":"Missing username in request")")) << failed.output;
  const auto nobody = Ctl({"request", "nobody.serves.this", "{}", "--timeout", "500ms"});
  EXPECT_EQ(nobody.exit, 2) << nobody.output;
  EXPECT_TRUE(Contains(nobody.output, "no reply on nobody.serves.this")) << nobody.output;
  const auto bad = Ctl({"publish", "rosey.db.user.joined", "{username: alice}"});
  EXPECT_EQ(bad.exit, 2) << bad.output;
  EXPECT_TRUE(Contains(bad.output, "the payload is not JSON")) << bad.output;
  const auto wildcard = Ctl({"publish", "rosey.db.>", "{}"});
  EXPECT_EQ(wildcard.exit, 2) << wildcard.output;
}

// --all counts the services answering: the switching guide's check that the
// Python service is really gone.
TEST_F(CtlRequestTest, AllCountsEveryServiceThatAnswers) {
  const auto one = Ctl({"request", "--all", "--timeout", "1s", "rosey.db.query.channel_stats"});
  EXPECT_EQ(one.exit, 0) << one.output;
  EXPECT_TRUE(Contains(one.output, "1 reply within 1000 ms")) << one.output;
  // A second service on the same subject, as the Python one would be.
  auto impostor = world_.client().Subscribe("rosey.db.query.channel_stats", "",
                                            [&](const bus::Message& m) {
                                              (void)world_.client().Publish(m.reply, "{}");
                                            });
  ASSERT_TRUE(world_.client().Flush(2000ms).ok());
  const auto two = Ctl({"request", "--all", "--timeout", "1s", "rosey.db.query.channel_stats"});
  EXPECT_EQ(two.exit, 0) << two.output;
  EXPECT_TRUE(Contains(two.output, "2 replies within 1000 ms")) << two.output;
}

// Same credentials as roseyd run: a server that wants a password gets it
// from nats.auth.*, and refuses a ctl without it.
TEST(CtlAuthTest, UsesTheConfiguredCredentials) {
  RoseydWorld world;
  world.StartNats({"--user", "roseyd", "--pass", "s3cret"});
  const std::vector<std::string> auth = {"--set", "nats.auth.user=roseyd", "--set",
                                         "nats.auth.password=s3cret"};
  world.StartRoseyd(auth);
  const auto ctl = [&](std::vector<std::string> extra, const std::string& log) {
    std::vector<std::string> args = {"ctl", "request", "rosey.db.query.channel_stats", "{}",
                                     "--config",
                                     std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml",
                                     "--nats-url", world.nats_url()};
    args.insert(args.end(), extra.begin(), extra.end());
    return Roseyd(args, world.dir().File(log));
  };
  const auto with = ctl(auth, "ctl-auth.log");
  EXPECT_EQ(with.exit, 0) << with.output;
  EXPECT_TRUE(Contains(with.output, R"("success":true)")) << with.output;
  const auto without = ctl({}, "ctl-noauth.log");
  EXPECT_EQ(without.exit, 2) << without.output;
  EXPECT_TRUE(Contains(without.output, "uthorization")) << without.output;
  EXPECT_EQ(world.StopRoseyd(), 0);
}

}  // namespace
}  // namespace roseyd::testing
