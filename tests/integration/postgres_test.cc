// roseyd on PostgreSQL (store.url) as an operator meets it: secrets kept out
// of the logs, a server that is not there, and a server restarted under
// load, which the writer rides out without losing or doubling an event.

#include <atomic>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"
#include "support/postgres_server.h"

namespace roseyd::testing {
namespace {

using std::chrono::milliseconds;

TEST(PostgresStoreTest, APasswordInTheStoreUrlIsNeverLogged) {
  RoseydWorld world(StoreKind::kPostgres);
  world.StartNats();
  // The test server trusts every local connection: the password is ignored.
  std::string url = world.store_url();
  url.replace(url.find("postgres@"), 9, "postgres:pg-s3cret@");
  world.StartRoseyd({"--set", "store.url=" + url});  // the later --set wins
  world.Publish("rosey.db.user.joined", R"({"username":"alice"})");
  world.Request("rosey.db.query.channel_stats", "{}");
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM user_stats"), 1);
  EXPECT_EQ(world.StopRoseyd(), 0);
  EXPECT_NE(world.Log().find("postgresql://postgres:***@127.0.0.1"), std::string::npos)
      << world.Log();
  EXPECT_EQ(world.Log().find("pg-s3cret"), std::string::npos) << world.Log();
}

TEST(PostgresStoreTest, AServerThatIsNotThereStopsStartupWithAClearError) {
  RoseydWorld world;
  world.StartNats();
  const std::string url =
      "postgresql://rosey:pg-s3cret@127.0.0.1:" + std::to_string(bus::FindFreePort()) + "/rosey";
  const int status = world.RunRoseydToExit({"--set", "store.url=" + url});
  EXPECT_NE(status, 0);
  EXPECT_NE(world.Log().find("cannot connect"), std::string::npos) << world.Log();
  EXPECT_NE(world.Log().find("postgresql://rosey:***@127.0.0.1"), std::string::npos)
      << world.Log();
  EXPECT_EQ(world.Log().find("pg-s3cret"), std::string::npos) << world.Log();
  // libpq's message runs over several lines ("...Connection refused\n\tIs the
  // server running..."): the log keeps it on one, with its time and level.
  const std::string log = world.Log();
  EXPECT_NE(log.find("Connection refused\\n"), std::string::npos) << log;
  ExpectEveryLineHasItsTime(log);
}

// The plugin storage tables are made at start beside Rosey's, and plugin
// writes share batches with the events: each commits with them, and one
// that fails (a key too long for its VARCHAR(255)) is undone alone.
TEST(PostgresStoreTest, PluginWritesCommitInTheEventsBatchesAndFailAlone) {
  RoseydWorld world(StoreKind::kPostgres);
  world.StartNats();
  world.StartRoseyd();
  for (const char* table : {"plugin_kv_storage", "plugin_table_schemas",
                            "plugin_schema_migrations"}) {
    EXPECT_TRUE(world.TableExists(table)) << table;
  }
  world.Publish("rosey.db.user.joined", R"({"username":"alice"})");
  for (int i = 0; i < 50; ++i) {
    const std::string n = std::to_string(i);
    world.Publish("rosey.db.message.log", R"({"username":"alice","message":"m)" + n + R"("})");
    world.Publish("rosey.db.kv.set", R"({"plugin_name":"p","key":"k)" + n + R"(","value":)" + n +
                                         "}");
  }
  const nlohmann::json too_long = nlohmann::json::parse(world.Request(
      "rosey.db.kv.set", R"({"plugin_name":"p","key":")" + std::string(300, 'x') +
                             R"(","value":1})"));
  EXPECT_EQ(too_long.value("success", true), false) << too_long.dump();
  EXPECT_EQ(nlohmann::json::parse(world.Request("rosey.db.kv.get",
                                                R"({"plugin_name":"p","key":"k49"})")),
            nlohmann::json::parse(R"({"success":true,"data":{"exists":true,"value":49}})"));
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM plugin_kv_storage"), 50);
  EXPECT_EQ(world.QueryInt("SELECT total_chat_lines FROM user_stats WHERE username = 'alice'"),
            50);
  EXPECT_EQ(world.StopRoseyd(), 0);
  EXPECT_EQ(world.Log().find("not available"), std::string::npos) << world.Log();
}

// 15,000 numbered chat lines at about 5,000/s; PostgreSQL stops (fast
// shutdown: sessions cut, transactions rolled back) a third of the way in
// and starts again a second later. The writer keeps what it holds, retries,
// reconnects, and every line ends up in the database exactly once.
TEST(PostgresStoreTest, AServerRestartUnderLoadLosesAndDoublesNothing) {
  PostgresServer server;  // of its own: this test stops it
  RoseydWorld world(StoreKind::kPostgres, &server);
  world.StartNats();
  world.StartRoseyd();
  world.Publish("rosey.db.user.joined", R"({"username":"load"})");
  constexpr int kEvents = 15000;
  std::atomic<int> sent{0};
  std::thread publisher([&] {
    for (int i = 0; i < kEvents; ++i) {
      const std::string payload =
          R"({"username":"load","message":"line )" + std::to_string(i) + "\"}";
      if (world.client().Publish("rosey.db.message.log", payload).ok()) sent.fetch_add(1);
      if ((i + 1) % 5 == 0) std::this_thread::sleep_for(milliseconds(1));
    }
    (void)world.client().Flush(milliseconds(5000));
  });
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return sent.load() >= kEvents / 3; }));
  server.Stop();
  std::this_thread::sleep_for(milliseconds(1000));
  server.Start();
  publisher.join();
  ASSERT_EQ(sent.load(), kEvents);
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.QueryInt("SELECT COUNT(*) FROM recent_chat") >= kEvents; },
      milliseconds(30000)));
  EXPECT_EQ(world.QueryInt("SELECT COUNT(*) FROM recent_chat"), kEvents);
  EXPECT_EQ(world.QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat"), kEvents);
  EXPECT_EQ(world.QueryInt("SELECT total_chat_lines FROM user_stats WHERE username = 'load'"),
            kEvents);
  EXPECT_EQ(world.StopRoseyd(), 0) << world.Log();
  const std::string log = world.Log();
  EXPECT_NE(log.find("lost the connection to PostgreSQL"), std::string::npos) << log;
  EXPECT_NE(log.find("reconnected to postgresql://postgres@127.0.0.1"), std::string::npos) << log;
}

}  // namespace
}  // namespace roseyd::testing
