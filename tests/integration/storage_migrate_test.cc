// rosey.db.migrate.<plugin>.* against the real roseyd binary, a real
// nats-server and each store (SQLite, PostgreSQL: the migrations' SQL is
// the store's own, as a plugin's would be), with migration files in a plugins
// directory (service.plugins_dir): status, dry run, apply, a failing
// migration, rollback, as ROSEY_STORAGE_API.md §3 with roseyd's fixes.

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

class StorageMigrateTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    plugins_ = world_.dir().File("plugins");
    Write("001_create_quotes.sql",
          "-- UP\nCREATE TABLE quotes (id " +
              std::string(GetParam() == StoreKind::kSqlite ? "INTEGER" : "SERIAL") +
              " PRIMARY KEY, text TEXT NOT NULL);\n"
          "INSERT INTO quotes (text) VALUES ('first; with a semicolon');\n"
          "-- DOWN\nDROP TABLE quotes;\n");
    Write("002_add_author.sql",
          "-- UP\nALTER TABLE quotes ADD COLUMN author TEXT;\n"
          "-- DOWN\nCREATE TABLE quotes_old_author (x INTEGER);\n");
    world_.StartNats();
    world_.StartRoseyd({"--set", "service.plugins_dir=" + plugins_});
  }

  void Write(const std::string& name, const std::string& text,
             const std::string& plugin = "quote-db") {
    const std::string dir = plugins_ + "/" + plugin + "/migrations";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/" + name) << text;
  }

  json Ask(const std::string& op, const json& body, const std::string& plugin = "quote-db") {
    return json::parse(world_.Request("rosey.db.migrate." + plugin + "." + op, body.dump(),
                                      std::chrono::milliseconds(10000)));
  }

  bool TableExists(const std::string& name) { return world_.TableExists(name); }

  RoseydWorld world_{GetParam()};
  std::string plugins_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StorageMigrateTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(StorageMigrateTest, StatusListsPendingThenApplied) {
  const json before = Ask("status", json::object());
  EXPECT_EQ(before["success"], true) << before;
  EXPECT_EQ(before["current_version"], 0);
  EXPECT_EQ(before["applied_migrations"], json::array());
  EXPECT_EQ(before["pending_migrations"],
            json::parse(R"([{"version":1,"name":"create_quotes","filename":"001_create_quotes.sql"},
                            {"version":2,"name":"add_author","filename":"002_add_author.sql"}])"));
  ASSERT_EQ(Ask("apply", json::object())["current_version"], 2);
  const json after = Ask("status", json::object());
  EXPECT_EQ(after["current_version"], 2);
  EXPECT_EQ(after["pending_migrations"], json::array());
  ASSERT_EQ(after["applied_migrations"].size(), 2u);
  const json& first = after["applied_migrations"][0];
  EXPECT_EQ(first["version"], 1);
  EXPECT_EQ(first["status"], "applied");
  EXPECT_EQ(first["applied_by"], "system");
  EXPECT_EQ(std::string(first["applied_at"]).find('T'), 10u) << first;  // ISO 8601
  EXPECT_EQ(std::string(first["checksum"]).size(), 64u);
}

TEST_P(StorageMigrateTest, ApplyRunsEachMigrationAndRecordsIt) {
  const json reply = Ask("apply", {{"applied_by", "ops"}});
  EXPECT_EQ(reply["success"], true) << reply;
  EXPECT_EQ(reply["current_version"], 2);
  EXPECT_EQ(reply["applied"][0]["name"], "create_quotes");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM quotes WHERE text = 'first; with a semicolon' "
                            "AND author IS NULL"),
            1);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_schema_migrations WHERE plugin_name = "
                            "'quote-db' AND status = 'applied' AND applied_by = 'ops'"),
            2);
  EXPECT_EQ(Ask("apply", json::object()),
            json::parse(R"({"success":true,"applied":[],"current_version":2,
                            "message":"No pending migrations",
                            "reason":"every migration is applied: the latest, version 2, is the current version"})"));
}

TEST_P(StorageMigrateTest, ApplyUpToATargetVersion) {
  EXPECT_EQ(Ask("apply", {{"target_version", 1}})["current_version"], 1);
  EXPECT_TRUE(TableExists("quotes"));
  EXPECT_EQ(Ask("apply", {{"target_version", "latest"}})["current_version"], 2);
  EXPECT_EQ(Ask("apply", {{"target_version", 1}}),
            json::parse(R"({"success":false,"error":{"code":"INTERNAL_ERROR",
                            "message":"Unexpected error"}})"));
}

TEST_P(StorageMigrateTest, ADryRunCommitsNothing) {
  const json reply = Ask("apply", {{"dry_run", true}});
  EXPECT_EQ(reply["success"], true) << reply;
  EXPECT_EQ(reply["message"], "Dry-run: migrations not committed");
  EXPECT_EQ(reply["current_version"], 0);
  EXPECT_EQ(reply["applied"].size(), 2u);
  EXPECT_FALSE(TableExists("quotes"));
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_schema_migrations"), 0);
  EXPECT_EQ(Ask("apply", json::object())["current_version"], 2);  // the original failed here
}

TEST_P(StorageMigrateTest, AFailingMigrationIsUndoneAndRecordedFailed) {
  Write("003_broken.sql",
        "-- UP\nCREATE TABLE quotes_tags (tag TEXT);\nALTER TABLE quotes ADD COLUMN author TEXT;\n"
        "-- DOWN\nDROP TABLE quotes_tags;\n");
  const json reply = Ask("apply", json::object());
  EXPECT_EQ(reply["success"], false) << reply;
  EXPECT_EQ(reply["error"]["code"], "MIGRATION_FAILED");
  EXPECT_EQ(std::string(reply["error"]["message"]).rfind("Failed at v003: ", 0), 0u);
  EXPECT_EQ(reply["applied"].size(), 2u);
  EXPECT_EQ(reply["current_version"], 2);
  EXPECT_FALSE(TableExists("quotes_tags"));  // its first statement did not stay
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_schema_migrations WHERE version = 3 AND "
                            "status = 'failed' AND error_message LIKE '" +
                            std::string(GetParam() == StoreKind::kSqlite
                                            ? "%duplicate column%"
                                            : "%column \"author\" of relation \"quotes\" already "
                                              "exists%") +
                            "'"),
            1);
  const json status = Ask("status", json::object());
  EXPECT_EQ(status["current_version"], 2);
  EXPECT_EQ(status["applied_migrations"][2]["status"], "failed");
  // Fixed on disk, it applies (the original's UNIQUE row kept it failing).
  Write("003_broken.sql",
        "-- UP\nCREATE TABLE quotes_tags (tag TEXT);\n-- DOWN\nDROP TABLE quotes_tags;\n");
  EXPECT_EQ(Ask("apply", json::object())["current_version"], 3);
  EXPECT_TRUE(TableExists("quotes_tags"));
}

TEST_P(StorageMigrateTest, RollbackRunsDownSectionsNewestFirst) {
  ASSERT_EQ(Ask("apply", json::object())["current_version"], 2);
  const json one = Ask("rollback", json::object());
  EXPECT_EQ(one["success"], true) << one;
  EXPECT_EQ(one["current_version"], 1);
  EXPECT_EQ(one["rolled_back"][0]["version"], 2);
  EXPECT_TRUE(TableExists("quotes_old_author"));
  const json all = Ask("rollback", {{"version", 0}});
  EXPECT_EQ(all["current_version"], 0) << all;
  EXPECT_FALSE(TableExists("quotes"));
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_schema_migrations WHERE status = "
                            "'rolled_back'"),
            2);
  EXPECT_EQ(Ask("status", json::object())["current_version"], 0);
  EXPECT_EQ(Ask("rollback", json::object()),
            json::parse(R"({"success":true,"rolled_back":[],"current_version":0,
                            "message":"No migrations to rollback"})"));
}

TEST_P(StorageMigrateTest, APluginWithoutFilesOrWithAnUnsafeNameHasNoMigrations) {
  json none = json::parse(R"({"success":true,"applied":[],"current_version":0,
                              "message":"No pending migrations"})");
  none["reason"] = "service.plugins_dir has no trivia/migrations directory";
  EXPECT_EQ(Ask("apply", json::object(), "trivia"), none);
  // Not ^[A-Za-z0-9_-]+$: no path is built from it at all.
  none["reason"] = "the plugin name is not ^[A-Za-z0-9_-]+$, so it has no migrations directory";
  EXPECT_EQ(Ask("apply", json::object(), "quote~db"), none);
  EXPECT_EQ(Ask("status", json::object(), "quote~db")["pending_migrations"], json::array());
  EXPECT_EQ(Ask("apply", {{"target_version", "x"}})["error"]["code"], "INTERNAL_ERROR");
}

// No plugins_dir: nothing is pending, and the reply says why (a plugin's
// author saw only "No pending migrations" before).
TEST(StorageMigrateDirTest, WithoutAPluginsDirNothingIsPendingAndTheReplySaysWhy) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();
  EXPECT_EQ(json::parse(world.Request("rosey.db.migrate.quote-db.apply", "{}")),
            json::parse(R"({"success":true,"applied":[],"current_version":0,
                            "message":"No pending migrations",
                            "reason":"service.plugins_dir is not set: roseyd reads no migration files"})"));
  EXPECT_EQ(json::parse(world.Request("rosey.db.migrate.quote-db.status", "ignored"))
                ["current_version"],
            0);
}

}  // namespace
}  // namespace roseyd::testing
