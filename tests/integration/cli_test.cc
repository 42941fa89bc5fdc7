// The roseyd command line as a Unix user meets it: per-command help,
// --version, usage errors, warnings for misspelt ROSEYD_* variables,
// check-config's full listing, and no temporary folders left behind.

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "integration/roseyd_process.h"
#include "support/temp_dir.h"

namespace roseyd::testing {
namespace {

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr
};

// Runs roseyd with `args` and the environment variables `env` added, to
// completion (in `dir`, so that no config/roseyd.yaml is found by default).
Outcome Roseyd(const std::vector<std::string>& args,
               const std::vector<std::pair<std::string, std::string>>& env = {}) {
  static int runs = 0;
  TempDir dir;
  const std::string log = dir.File("out" + std::to_string(++runs) + ".log");
  for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  std::vector<std::string> argv = {ROSEYD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  const pid_t pid = SpawnLogged(argv, log);
  std::filesystem::current_path(cwd);
  for (const auto& [name, value] : env) unsetenv(name.c_str());
  Outcome out;
  int wait_status = 0;
  if (pid > 0 && waitpid(pid, &wait_status, 0) == pid && WIFEXITED(wait_status)) {
    out.status = WEXITSTATUS(wait_status);
  }
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  out.output = text.str();
  return out;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const char* const kCommands[] = {"run", "bench", "ctl", "check-config", "config-keys", "version"};

TEST(CliTest, EveryCommandHasItsOwnHelp) {
  for (const char* command : kCommands) {
    SCOPED_TRACE(command);
    const Outcome help = Roseyd({command, "--help"});
    EXPECT_EQ(help.status, 0);
    EXPECT_EQ(help.output.rfind(std::string("Usage: roseyd ") + command, 0), 0u) << help.output;
    EXPECT_EQ(Roseyd({command, "-h"}).output, help.output);
    EXPECT_EQ(Roseyd({"help", command}).output, help.output);
  }
  // Help wins over the other arguments, wherever it stands.
  const Outcome run = Roseyd({"run", "--set", "store.batch_max_events=5", "--help"});
  EXPECT_EQ(run.status, 0);
  EXPECT_TRUE(Contains(run.output, "--set KEY=VALUE")) << run.output;
  EXPECT_TRUE(Contains(Roseyd({"bench", "--help"}).output, "--baseline FILE"));
}

TEST(CliTest, GlobalHelpListsTheCommands) {
  const Outcome help = Roseyd({"--help"});
  EXPECT_EQ(help.status, 0);
  for (const char* command : kCommands) {
    EXPECT_TRUE(Contains(help.output, std::string("  ") + command + " ")) << command;
  }
}

TEST(CliTest, VersionFlag) {
  const Outcome flag = Roseyd({"--version"});
  EXPECT_EQ(flag.status, 0);
  EXPECT_EQ(flag.output.rfind("roseyd ", 0), 0u) << flag.output;
  EXPECT_TRUE(Contains(flag.output, "(revision ")) << flag.output;
  EXPECT_EQ(Roseyd({"version"}).output, flag.output);
}

TEST(CliTest, UsageErrorsExitTwoNamingTheProblem) {
  const Outcome none = Roseyd({});
  EXPECT_EQ(none.status, 2);
  EXPECT_TRUE(Contains(none.output, "no command given")) << none.output;
  const Outcome unknown = Roseyd({"serve"});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_TRUE(Contains(unknown.output, "unknown command 'serve'")) << unknown.output;
  const Outcome flag = Roseyd({"run", "--no-such-flag"});
  EXPECT_EQ(flag.status, 2);
  EXPECT_TRUE(Contains(flag.output, "roseyd run: unknown argument '--no-such-flag'"))
      << flag.output;
  EXPECT_TRUE(Contains(flag.output, "roseyd run --help")) << flag.output;
  const Outcome value = Roseyd({"check-config", "--set"});
  EXPECT_EQ(value.status, 2);
  EXPECT_TRUE(Contains(value.output, "--set needs a value")) << value.output;
}

TEST(CliTest, MisspeltVariablesAreWarnedWithTheClosestSetting) {
  const Outcome out = Roseyd({"check-config"}, {{"ROSEYD_STORE_BATCH_SIZE", "5"}});
  EXPECT_EQ(out.status, 0) << out.output;
  EXPECT_TRUE(Contains(out.output,
                       "environment variable ROSEYD_STORE_BATCH_SIZE is not a roseyd setting"))
      << out.output;
  EXPECT_TRUE(Contains(out.output, "did you mean ROSEYD_STORE_BATCH_MAX_EVENTS")) << out.output;
  EXPECT_TRUE(Contains(out.output, "store.batch_max_events: \"1024\"")) << "ignored, as it says";
}

TEST(CliTest, RunWarnsAboutMisspeltVariablesInItsLog) {
  ASSERT_EQ(setenv("ROSEYD_NATS_EMBEDED_PORT", "1", 1), 0);
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();
  unsetenv("ROSEYD_NATS_EMBEDED_PORT");
  EXPECT_TRUE(Contains(world.Log(), "did you mean ROSEYD_NATS_EMBEDDED_PORT?")) << world.Log();
  EXPECT_EQ(world.StopRoseyd(), 0);
}

TEST(CliTest, CheckConfigPrintsEveryResolvedKeyWithSecretsHidden) {
  const Outcome keys = Roseyd({"config-keys"});
  ASSERT_EQ(keys.status, 0);
  const Outcome out = Roseyd(
      {"check-config", "--set", "store.batch_max_events=77", "--nats-url",
       "nats://roseyd:url-secret@127.0.0.1:4222"},
      {{"ROSEYD_NATS_AUTH_USER", "roseyd"},
       {"ROSEYD_NATS_AUTH_PASSWORD", "env-secret"},
       {"ROSEYD_BENCH_CONTROL_TOKEN", "tok-secret"}});
  ASSERT_EQ(out.status, 0) << out.output;
  std::istringstream lines(keys.output);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const std::string key = line.substr(0, line.find(' '));
    EXPECT_TRUE(Contains(out.output, "\n" + key + ": \"")) << key;
  }
  EXPECT_GT(count, 50);
  EXPECT_TRUE(Contains(out.output, "store.batch_max_events: \"77\"")) << out.output;
  EXPECT_TRUE(Contains(out.output, "nats.auth.password: \"***\"")) << out.output;
  EXPECT_TRUE(Contains(out.output, "bench.control.token: \"***\"")) << out.output;
  EXPECT_TRUE(Contains(out.output, "nats.url: \"nats://***@127.0.0.1:4222\"")) << out.output;
  for (const char* secret : {"env-secret", "tok-secret", "url-secret"}) {
    EXPECT_FALSE(Contains(out.output, secret)) << secret;
  }
}

TEST(CliTest, InvalidConfigIsAStartupFailure) {
  const Outcome out = Roseyd({"check-config", "--set", "store.batch_max_events=lots"});
  EXPECT_EQ(out.status, 1);
  EXPECT_TRUE(Contains(out.output, "store.batch_max_events")) << out.output;
}

// No silent settings, as a user types them: a --set list is a list, --db
// beside store.url and a NATS URL of another scheme are refused, naming them.
TEST(CliTest, SettingsAreNeverTakenSilently) {
  const Outcome list = Roseyd({"check-config", "--set", "service.storage_plugins=[quote-db, trivia]"});
  EXPECT_EQ(list.status, 0) << list.output;
  EXPECT_TRUE(Contains(list.output, "service.storage_plugins: \"quote-db,trivia\"")) << list.output;
  const Outcome db = Roseyd({"run", "--db", "/srv/bot_data.db", "--set",
                             "store.url=postgresql://rosey@127.0.0.1:1/rosey"});
  EXPECT_EQ(db.status, 1) << db.output;
  EXPECT_TRUE(Contains(db.output, "--db: store.path '/srv/bot_data.db' and store.url (from --set) "
                                  "cannot both be set"))
      << db.output;
  const Outcome url = Roseyd({"run", "--nats-url", "http://127.0.0.1:8222"});
  EXPECT_EQ(url.status, 1) << url.output;
  EXPECT_TRUE(Contains(url.output, "--nats-url: nats.url: 'http://127.0.0.1:8222': http:// is "
                                   "not a scheme NATS speaks"))
      << url.output;
  const Outcome bench = Roseyd({"bench", "--nats-url", "ws://127.0.0.1:8080"});
  EXPECT_EQ(bench.status, 2) << bench.output;
  EXPECT_TRUE(Contains(bench.output, "ws:// is not a scheme NATS speaks")) << bench.output;
}

// roseyd bench makes its scratch folder under $TMPDIR only for a run, and
// removes it on every way out.
TEST(CliTest, BenchLeavesNoTemporaryFolderBehind) {
  TempDir tmp;
  const auto left = [&] {
    return std::distance(std::filesystem::directory_iterator(tmp.path()),
                         std::filesystem::directory_iterator());
  };
  const std::vector<std::pair<std::string, std::string>> env = {{"TMPDIR", tmp.path()}};
  const Outcome list = Roseyd({"bench", "--list"}, env);
  EXPECT_EQ(list.status, 0) << list.output;
  EXPECT_TRUE(Contains(list.output, "suite quick:")) << list.output;
  EXPECT_EQ(left(), 0);
  EXPECT_EQ(Roseyd({"bench", "--suite", "nope"}, env).status, 2);
  EXPECT_EQ(left(), 0);

  const std::string scenarios = tmp.File("tiny.yaml");
  std::ofstream(scenarios) << R"(suites: {tiny: [t]}
scenarios:
  - name: t
    kind: burst
    category: throughput
    priority: P2
    description: a few chat lines
    events: 200
    publishers: 1
)";
  const Outcome run = Roseyd({"bench", "--scenarios", scenarios, "--suite", "tiny", "--out",
                              tmp.File("report")},
                             env);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(std::filesystem::exists(tmp.File("report/BENCHMARK_RESULTS.md"))) << run.output;
  std::filesystem::remove_all(tmp.File("report"));
  std::filesystem::remove(scenarios);
  EXPECT_EQ(left(), 0) << "the run's scratch folder is gone";
}

}  // namespace
}  // namespace roseyd::testing
