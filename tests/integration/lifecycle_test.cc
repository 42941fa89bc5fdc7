// Start-up, shutdown, upgrade and reconnection of the real roseyd binary.

#include <fcntl.h>
#include <linux/fs.h>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

// The schema the original Python service created before it added
// channel_stats.max_connected* and outbound_messages.retry_count/last_error.
constexpr char kOriginalSchema[] = R"sql(
CREATE TABLE user_stats (username TEXT PRIMARY KEY, first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL, total_chat_lines INTEGER DEFAULT 0,
  total_time_connected INTEGER DEFAULT 0, current_session_start INTEGER);
CREATE TABLE user_actions (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL,
  username TEXT NOT NULL, action_type TEXT NOT NULL, details TEXT);
CREATE TABLE channel_stats (id INTEGER PRIMARY KEY CHECK (id = 1), max_users INTEGER DEFAULT 0,
  max_users_timestamp INTEGER, last_updated INTEGER);
INSERT INTO channel_stats (id, max_users, max_users_timestamp) VALUES (1, 42, 1600000000);
CREATE TABLE user_count_history (id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL, chat_users INTEGER NOT NULL, connected_users INTEGER NOT NULL);
CREATE TABLE recent_chat (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL,
  username TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE outbound_messages (id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL, message TEXT NOT NULL, sent INTEGER DEFAULT 0,
  sent_timestamp INTEGER);
INSERT INTO user_stats VALUES ('veteran', 1600000000, 1600000500, 77, 3600, NULL);
INSERT INTO outbound_messages (timestamp, message) VALUES (1600000000, 'queued long ago');
)sql";

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

class StoreLifecycleTest : public ::testing::TestWithParam<StoreKind> {};
INSTANTIATE_TEST_SUITE_P(Stores, StoreLifecycleTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(StoreLifecycleTest, SigtermCommitsEveryEventReceivedAndClosesSessions) {
  RoseydWorld world(GetParam());
  world.StartNats();
  world.StartRoseyd();
  world.Publish("rosey.db.user.joined", R"({"username":"drain"})");
  constexpr int kEvents = 20000;
  for (int i = 0; i < kEvents; ++i) {
    world.Publish("rosey.db.message.log",
                  R"({"username":"drain","message":"line )" + std::to_string(i) + "\"}");
  }
  // Flush: every event is on the server (and so on its way to roseyd) before the signal.
  ASSERT_TRUE(world.client().Flush(std::chrono::milliseconds(5000)).ok());
  EXPECT_EQ(world.StopRoseyd(SIGTERM), 0) << world.Log();
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat"), kEvents);
  EXPECT_EQ(world.QueryInt("SELECT total_chat_lines FROM user_stats WHERE username='drain'"),
            kEvents);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM user_stats WHERE current_session_start IS NOT "
                           "NULL"),
            0);
  EXPECT_NE(world.Log().find("stopped cleanly"), std::string::npos);
}

TEST(LifecycleTest, SigintAlsoStopsCleanly) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();
  EXPECT_EQ(world.StopRoseyd(SIGINT), 0) << world.Log();
}

TEST(LifecycleTest, UpgradesAFileMadeByTheOriginalInPlace) {
  RoseydWorld world;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(world.db_path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, kOriginalSchema, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  world.StartNats();
  world.StartRoseyd();
  const json veteran =
      json::parse(world.Request("rosey.db.query.user_stats", R"({"username":"veteran"})"));
  EXPECT_EQ(veteran["total_chat_lines"], 77);
  EXPECT_EQ(veteran["total_time_connected"], 3600);
  const json stats = json::parse(world.Request("rosey.db.query.channel_stats", "{}"));
  EXPECT_EQ(stats["high_water_mark"]["users"], 42);
  EXPECT_EQ(stats["high_water_connected"]["users"], 0);
  const json outbound = json::parse(
      world.Request("rosey.db.messages.outbound.get", R"({"limit":20,"max_retries":3})"));
  ASSERT_EQ(outbound.size(), 1u);
  EXPECT_EQ(outbound[0]["retry_count"], 0);
  // The added columns are there, and the original's own queries still run.
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM pragma_table_info('channel_stats') WHERE "
                           "name IN ('max_connected','max_connected_timestamp')"),
            2);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM pragma_table_info('outbound_messages') WHERE "
                           "name IN ('retry_count','last_error')"),
            2);
  EXPECT_EQ(world.QueryInt("SELECT max_users FROM channel_stats WHERE id = 1"), 42);
  EXPECT_EQ(world.StopRoseyd(), 0);
}

TEST(LifecycleTest, CorruptDatabaseStopsStartupNamingTheFile) {
  RoseydWorld world;
  WriteFile(world.db_path(), std::string(8192, '\x5a'));
  world.StartNats();
  EXPECT_EQ(world.RunRoseydToExit({}), 1);
  const std::string log = world.Log();
  EXPECT_NE(log.find(world.db_path()), std::string::npos) << log;
  EXPECT_NE(log.find("cannot start"), std::string::npos) << log;
}

TEST(LifecycleTest, DatabaseInAMissingDirectoryStopsStartup) {
  RoseydWorld world;
  world.StartNats();
  const std::string path = world.dir().File("no/such/dir/rosey.db");
  EXPECT_EQ(world.RunRoseydToExit({"--db", path}), 1);
  EXPECT_NE(world.Log().find(path), std::string::npos) << world.Log();
}

// Sets or clears the immutable attribute (chattr +i): the one way to make a
// file read-only for root, whom file modes do not stop.
bool SetImmutable(const std::string& path, bool on) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  int flags = 0;
  bool ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
  flags = on ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
  ok = ok && ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
  close(fd);
  return ok;
}

TEST(LifecycleTest, ReadOnlyDatabaseStopsStartup) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();  // creates the file
  ASSERT_EQ(world.StopRoseyd(), 0);
  ASSERT_EQ(chmod(world.db_path().c_str(), 0444), 0);
  const bool immutable = SetImmutable(world.db_path(), true);
  if (access(world.db_path().c_str(), W_OK) == 0 && !immutable) {
    GTEST_SKIP() << "cannot make the file read-only here: root ignores modes and this "
                    "filesystem refuses the immutable attribute";
  }
  const int status = world.RunRoseydToExit({});
  if (immutable) SetImmutable(world.db_path(), false);  // let TempDir remove it
  EXPECT_EQ(status, 1);
  EXPECT_NE(world.Log().find(world.db_path()), std::string::npos) << world.Log();
}

// Two roseyd on one file would split the bot's traffic: the second refuses,
// naming the file and the holder; the first serves on; once it stops, the
// file is free again.
TEST(LifecycleTest, ASecondRoseydOnTheSameSqliteFileRefusesNamingTheHolder) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();
  RoseydWorld other;
  other.StartNats();
  EXPECT_EQ(other.RunRoseydToExit({"--db", world.db_path()}), 1);
  EXPECT_NE(other.Log().find("the SQLite file '" + world.db_path() +
                             "' is in use by another roseyd (pid " +
                             std::to_string(world.roseyd_pid())),
            std::string::npos)
      << other.Log();
  world.Publish("rosey.db.user.joined", R"({"username":"alice"})");
  world.Request("rosey.db.query.channel_stats", "{}");
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM user_stats"), 1);
  EXPECT_EQ(world.StopRoseyd(), 0);
  other.StartRoseyd({"--db", world.db_path()});
  EXPECT_EQ(other.StopRoseyd(), 0);
}

TEST(LifecycleTest, InvalidConfigNamesFileAndKey) {
  RoseydWorld world;
  const std::string config = world.dir().File("bad.yaml");
  WriteFile(config, "store:\n  batch_max_events: lots\n");
  EXPECT_EQ(world.RunRoseydToExit({"--config", config}), 1);
  const std::string log = world.Log();
  EXPECT_NE(log.find(config), std::string::npos) << log;
  EXPECT_NE(log.find("store.batch_max_events"), std::string::npos) << log;
}

TEST(LifecycleTest, EmbeddedServerOnABusyPortIsAClearError) {
  RoseydWorld world;
  world.StartNats();  // occupies nats_port()
  EXPECT_EQ(world.RunRoseydToExit({"--nats-url", "", "--set",
                                   "nats.embedded.port=" + std::to_string(world.nats_port())}),
            1);
  EXPECT_NE(world.Log().find("already in use"), std::string::npos) << world.Log();
}

TEST(LifecycleTest, EmbeddedServerIsStartedAndStopped) {
  RoseydWorld world;
  const int port = bus::FindFreePort();
  world.StartRoseyd({"--nats-url", "", "--set", "nats.embedded.port=" + std::to_string(port)});
  EXPECT_TRUE(bus::PortAcceptsConnections("127.0.0.1", port));
  EXPECT_EQ(world.StopRoseyd(), 0) << world.Log();
  EXPECT_FALSE(bus::PortAcceptsConnections("127.0.0.1", port));
}

TEST(LifecycleTest, ReconnectsAfterTheNatsServerRestarts) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd({"--set", "nats.reconnect_wait=50ms", "--set", "nats.reconnect_wait_max=200ms"});
  world.Publish("rosey.db.user.joined", R"({"username":"before"})");
  world.Request("rosey.db.query.channel_stats", "{}");
  world.StopNats();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return world.Metric("roseyd_nats_connected") == 0; }));
  world.StartNats();
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.Metric("roseyd_nats_connected") == 1 && world.client().IsConnected(); },
      std::chrono::milliseconds(15000)));
  EXPECT_GE(world.Metric("roseyd_nats_reconnects_total"), 1);
  world.Publish("rosey.db.user.joined", R"({"username":"after"})");
  const json after =
      json::parse(world.Request("rosey.db.query.user_stats", R"({"username":"after"})"));
  EXPECT_EQ(after["found"], true);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM user_stats"), 2);
  EXPECT_TRUE(world.RoseydRunning());
}

TEST(LifecycleTest, MetricsEndpointServesTheDocumentedSeries) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();
  world.Publish("rosey.db.message.log", R"({"username":"m","message":"x"})");
  world.Request("rosey.db.query.channel_stats", "{}");
  const std::string text = world.Scrape();
  for (const char* name :
       {"roseyd_events_received_total{subject=\"message.log\"}",
        "roseyd_events_persisted_total{subject=\"message.log\"}",
        "roseyd_requests_total{subject=\"query.channel_stats\"}",
        "roseyd_request_duration_seconds_bucket", "roseyd_commit_duration_seconds_bucket",
        "roseyd_commit_batch_size_bucket", "roseyd_event_commit_latency_seconds_bucket",
        "roseyd_write_queue_depth", "roseyd_nats_connected", "roseyd_nats_reconnects_total",
        "roseyd_nats_dropped_messages_total", "roseyd_build_info{",
        "process_cpu_seconds_total", "process_resident_memory_bytes",
        "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
        "process_start_time_seconds"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(world.Metric("roseyd_events_persisted_total{subject=\"message.log\"}"), 1);
}

}  // namespace
}  // namespace roseyd::testing

namespace roseyd::testing {
namespace {

TEST(NatsAuthTest, ConnectsWithAPasswordFromAFileAndNeverLogsIt) {
  RoseydWorld world;
  world.StartNats({"--user", "roseyd", "--pass", "s3cret-pass"});
  const std::string secret = world.dir().File("nats-password");
  std::ofstream(secret) << "s3cret-pass\n";
  world.StartRoseyd({"--set", "nats.auth.user=roseyd", "--set",
                     "nats.auth.password_file=" + secret});
  EXPECT_EQ(world.Metric("roseyd_nats_connected"), 1);
  EXPECT_EQ(world.StopRoseyd(), 0);
  EXPECT_EQ(world.Log().find("s3cret-pass"), std::string::npos) << world.Log();
}

TEST(NatsAuthTest, CredentialsInTheUrlAreRedactedInLogs) {
  RoseydWorld world;
  world.StartNats({"--user", "roseyd", "--pass", "s3cret-pass"});
  world.StartRoseyd({"--nats-url", "nats://roseyd:s3cret-pass@127.0.0.1:" +
                                       std::to_string(world.nats_port())});
  EXPECT_EQ(world.Metric("roseyd_nats_connected"), 1);
  EXPECT_EQ(world.StopRoseyd(), 0);
  EXPECT_NE(world.Log().find("nats://***@127.0.0.1"), std::string::npos) << world.Log();
  EXPECT_EQ(world.Log().find("s3cret-pass"), std::string::npos) << world.Log();
}

TEST(NatsAuthTest, WrongPasswordStopsStartupWithAClearError) {
  RoseydWorld world;
  world.StartNats({"--user", "roseyd", "--pass", "s3cret-pass"});
  const int status = world.RunRoseydToExit(
      {"--set", "nats.auth.user=roseyd", "--set", "nats.auth.password=wrong-pass"});
  EXPECT_NE(status, 0);
  EXPECT_NE(world.Log().find("uthorization"), std::string::npos) << world.Log();
  EXPECT_EQ(world.Log().find("wrong-pass"), std::string::npos) << world.Log();
}

}  // namespace
}  // namespace roseyd::testing
