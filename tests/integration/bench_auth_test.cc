// The load generator, its own service instance, the bot's service and
// roseyd ctl under a nats-server that demands authentication and enforces
// the sample permissions of docs/CONFIGURATION.md, read from that file itself.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "bus/connection.h"
#include "integration/bench_world.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr char kRoseydPassword[] = "roseyd-pw";
constexpr char kBotPassword[] = "bot-pw";
constexpr char kOperatorPassword[] = "operator-pw";
constexpr char kToken[] = "auth-test-token";

// The fenced block after the nats-permissions marker of docs/CONFIGURATION.md.
std::string ReadmePermissions() {
  const std::string readme = FileText(std::string(ROSEYD_SOURCE_DIR) + "/docs/CONFIGURATION.md");
  const size_t marker = readme.find("<!-- nats-permissions:");
  if (marker == std::string::npos) return "";
  const size_t open = readme.find("```\n", marker);
  const size_t close = readme.find("```", open + 4);
  if (open == std::string::npos || close == std::string::npos) return "";
  return readme.substr(open + 4, close - open - 4);
}

class BenchAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conf_ = world_.dir().File("permissions.conf");
    const std::string block = ReadmePermissions();
    ASSERT_NE(block.find("authorization"), std::string::npos) << "no permissions in docs/CONFIGURATION.md";
    std::ofstream(conf_) << block;
    // nats-server reads $BOT_PASSWORD... from its environment; roseyd its
    // password from ROSEYD_NATS_AUTH_PASSWORD.
    setenv("BOT_PASSWORD", kBotPassword, 1);
    setenv("ROSEYD_PASSWORD", kRoseydPassword, 1);
    setenv("OPERATOR_PASSWORD", kOperatorPassword, 1);
    setenv("ROSEYD_NATS_AUTH_PASSWORD", kRoseydPassword, 1);
  }
  void TearDown() override {
    for (const char* v : {"BOT_PASSWORD", "ROSEYD_PASSWORD", "OPERATOR_PASSWORD",
                          "ROSEYD_NATS_AUTH_PASSWORD"}) {
      unsetenv(v);
    }
  }

  ProcessResult CtlAs(const std::string& user, const std::string& password,
                      std::vector<std::string> args) {
    std::vector<std::string> all = {ROSEYD_BINARY, "ctl"};
    all.insert(all.end(), args.begin(), args.end());
    for (const std::string& a :
         {std::string("--config"), std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml",
          std::string("--nats-url"), world_.nats_url(), std::string("--token"),
          std::string(kToken), std::string("--timeout"), std::string("2s"),
          std::string("--set"), "nats.auth.user=" + user}) {
      all.push_back(a);
    }
    return RunToExit(all, world_.dir().File("ctl-" + user + ".log"), 30s,
                     {{"ROSEYD_NATS_AUTH_PASSWORD", password}});
  }

  bus::ConnectionOptions BotOptions() const {
    bus::ConnectionOptions options;
    options.url = world_.nats_url();
    options.user = "rosey-bot";
    options.password = kBotPassword;
    options.send_asap = true;
    options.retry_on_failed_connect = false;
    return options;
  }

  RoseydWorld world_;
  std::string conf_;
};

TEST_F(BenchAuthTest, TheReadmesPermissionsAreAValidServerConfig) {
  const std::string check = "nats-server -t -c '" + conf_ + "' >'" +
                            world_.dir().File("check.log") + "' 2>&1";
  EXPECT_EQ(std::system(check.c_str()), 0) << FileText(world_.dir().File("check.log"));
}

TEST_F(BenchAuthTest, TheQuickSuiteRunsUnderTheReadmesPermissions) {
  world_.StartNats({"-c", conf_}, /*jetstream=*/true);
  world_.StartRoseyd({"--set", "nats.auth.user=roseyd", "--set", "bench.run_at_start=quick",
                      "--set", "bench.control.enabled=true", "--set",
                      std::string("bench.control.token=") + kToken});
  // The bot, as the bot: its events still reach the bot's service.
  {
    bus::Connection bot(BotOptions());
    ASSERT_TRUE(bot.Publish("rosey.db.user.joined", R"({"username":"carol"})").ok());
    ASSERT_TRUE(bot.Flush(2000ms).ok());
  }
  EXPECT_TRUE(RoseydWorld::WaitFor([&] {
    return world_.QueryInt("SELECT COUNT(*) FROM user_stats WHERE username = 'carol'") == 1;
  }));
  // roseyd ctl as the operator, while the suite runs.
  const ProcessResult status = CtlAs("bench-operator", kOperatorPassword, {"status"});
  EXPECT_EQ(status.exit, 0) << status.output;
  EXPECT_NE(status.output.find("run 1"), std::string::npos) << status.output;

  const std::string latest = world_.dir().File("bench/latest/benchmark_results.json");
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return std::filesystem::exists(latest); }, 280s))
      << world_.Log();
  const json report = json::parse(FileText(latest));
  // Every scenario of the quick suite, as roseyd ctl list names them.
  const ProcessResult suites = CtlAs("bench-operator", kOperatorPassword, {"list"});
  const size_t line = suites.output.find("suite quick:");
  ASSERT_NE(line, std::string::npos) << suites.output;
  std::istringstream names(
      suites.output.substr(line + 12, suites.output.find('\n', line) - line - 12));
  size_t quick = 0;
  for (std::string name; names >> name;) ++quick;
  EXPECT_GE(quick, 12u) << suites.output;
  EXPECT_EQ(report.at("scenarios").size(), quick);
  for (const json& s : report.at("scenarios")) {
    const std::string note = s.at("note");
    EXPECT_NE(s.at("status"), "NOT RUN") << s.at("name") << ": " << note;
    EXPECT_EQ(note.find("Permissions Violation"), std::string::npos) << s.at("name") << ": " << note;
    EXPECT_EQ(note.find("uthorization"), std::string::npos) << s.at("name") << ": " << note;
  }
  EXPECT_EQ(world_.Log().find("Permissions Violation"), std::string::npos) << world_.Log();
  ASSERT_TRUE(report.at("bot_service").is_object());
  EXPECT_EQ(report.at("bot_service").at("during_failed"), 0);

  const ProcessResult list = CtlAs("bench-operator", kOperatorPassword, {"list"});
  EXPECT_EQ(list.exit, 0) << list.output;
  EXPECT_NE(list.output.find("suite quick:"), std::string::npos) << list.output;
  // The bot may not drive benchmarks: the refusal names the subject and the operation.
  const ProcessResult refused = CtlAs("rosey-bot", kBotPassword, {"status"});
  EXPECT_EQ(refused.exit, 2) << refused.output;
  EXPECT_NE(refused.output.find("Permissions Violation for Publish to \"roseyd.bench.status\""),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(world_.StopRoseyd(), 0);
}

TEST_F(BenchAuthTest, ARefusedPermissionIsNamedInTheLogAndInTheScenariosNote) {
  world_.StartNats({"-c", conf_});
  const std::string catalog = world_.dir().File("scenarios.yaml");
  std::ofstream(catalog) << R"(
suites:
  quick: [single_event_latency]
scenarios:
  - name: single_event_latency
    kind: events
    category: latency
    priority: P0
    description: chat lines
    rate: 100
    events: 10
)";
  // roseyd with the bot's credentials: it may publish on rosey.db.> only.
  world_.StartRoseyd({"--set", "nats.auth.user=rosey-bot", "--set",
                      std::string("nats.auth.password=") + kBotPassword, "--set",
                      "bench.run_at_start=quick", "--set", "bench.scenarios_file=" + catalog});
  const std::string latest = world_.dir().File("bench/latest/benchmark_results.json");
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return std::filesystem::exists(latest); }, 60s))
      << world_.Log();
  EXPECT_NE(world_.Log().find("Permissions Violation for Subscription to \"rosey.db.>\""),
            std::string::npos)
      << world_.Log();
  const json report = json::parse(FileText(latest));
  const std::string note = report.at("scenarios").at(0).at("note");
  EXPECT_EQ(report.at("scenarios").at(0).at("status"), "NOT RUN") << note;
  EXPECT_NE(note.find("Permissions Violation for Publish to \"roseyd.bench.load.user.joined\""),
            std::string::npos)
      << note;
  EXPECT_NE(note.find("Permissions Violation for Subscription to \"roseyd.bench.load.>\""),
            std::string::npos)
      << note;
  EXPECT_EQ(world_.StopRoseyd(), 0);
}

}  // namespace
}  // namespace roseyd::testing
