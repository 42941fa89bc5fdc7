// Migrations run by the SQLite writer: applied in order and recorded, a
// failing one undone but recorded 'failed' (and applicable once fixed), a
// dry run that keeps nothing, rollbacks, and the statements roseyd refuses.
#include "store/migration_runner.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "storage_api/migrate.h"
#include "storage_api/migration_files.h"
#include "store/sqlite/sqlite_store.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"

namespace roseyd::store {
namespace {

using nlohmann::json;
using storage_api::Migration;

Migration Parse(const std::string& filename, const std::string& text) {
  auto parsed = storage_api::ParseMigration(filename, text);
  EXPECT_TRUE(std::holds_alternative<Migration>(parsed)) << filename;
  return std::get<Migration>(parsed);
}

const Migration kCreate = Parse("001_create.sql",
                                "-- UP\nCREATE TABLE m_quotes (id INTEGER PRIMARY KEY, text TEXT);\n"
                                "INSERT INTO m_quotes (text) VALUES ('seed');\n"
                                "-- DOWN\nDROP TABLE m_quotes;\n");
const Migration kAddColumn = Parse("002_author.sql",
                                   "-- UP\nALTER TABLE m_quotes ADD COLUMN author TEXT;\n"
                                   "-- DOWN\nCREATE TABLE m_gone (x INTEGER);\n");
// Its first statement works, its second fails: the first must not stay.
const Migration kBroken = Parse("003_broken.sql",
                                "-- UP\nCREATE TABLE m_partial (x INTEGER);\n"
                                "ALTER TABLE m_quotes ADD COLUMN author TEXT;\n"
                                "-- DOWN\nDROP TABLE m_partial;\n");
const Migration kFixed = Parse("003_broken.sql",
                               "-- UP\nCREATE TABLE m_partial (x INTEGER);\n"
                               "-- DOWN\nDROP TABLE m_partial;\n");

class MigrationRunnerTest : public ::testing::Test {
 protected:
  MigrationRunnerTest()
      : store_(OpenSqliteStore(StoreConfig{}, dir_.File("rosey.db"))),
        writer_(store_->OpenWriter()),
        raw_(dir_.File("rosey.db")) {}

  // Runs apply (or rollback) as one write of a batch and returns its reply.
  json Run(PluginCommand command) {
    auto write = std::make_shared<PluginWrite>(std::move(command));
    std::vector<Event> batch{Event{write, 1'700'000'000, {}, 0}};
    std::vector<RefusedEvent> rejected;
    EXPECT_OK(writer_->ApplyBatch(batch, &rejected));
    EXPECT_TRUE(rejected.empty());
    return json::parse(write->outcome.reply);
  }

  json Apply(std::vector<Migration> files, std::string body = "{}") {
    auto request = std::get<storage_api::MigrateRequest>(storage_api::DecodeMigrateApply(body));
    return Run(MigrateApply{"m", request, {std::move(files), std::nullopt, ""}});
  }

  json Rollback(std::vector<Migration> files, std::string body = "{}") {
    auto request =
        std::get<storage_api::MigrateRequest>(storage_api::DecodeMigrateRollback(body));
    return Run(MigrateRollback{"m", request, {std::move(files), std::nullopt, ""}});
  }

  bool TableExists(const std::string& name) {
    return raw_.Int("SELECT COUNT(*) FROM sqlite_master WHERE name = '" + name + "'") == 1;
  }
  std::optional<std::string> StatusOf(int version) {
    return raw_.Text("SELECT status FROM plugin_schema_migrations WHERE plugin_name = 'm' AND "
                     "version = " +
                     std::to_string(version));
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreWriter> writer_;
  RawSqlite raw_;
};

TEST_F(MigrationRunnerTest, AppliesPendingMigrationsInOrderAndRecordsThem) {
  const json reply = Apply({kCreate, kAddColumn});
  EXPECT_EQ(reply["success"], true) << reply;
  EXPECT_EQ(reply["current_version"], 2);
  ASSERT_EQ(reply["applied"].size(), 2u);
  EXPECT_EQ(reply["applied"][1]["name"], "author");
  EXPECT_TRUE(reply["applied"][0]["execution_time_ms"].is_number_integer());
  EXPECT_EQ(raw_.Text("SELECT text FROM m_quotes"), "seed");
  EXPECT_EQ(StatusOf(1), "applied");
  EXPECT_EQ(raw_.Text("SELECT checksum FROM plugin_schema_migrations WHERE version = 2"),
            kAddColumn.checksum);
  EXPECT_EQ(raw_.Text("SELECT applied_by FROM plugin_schema_migrations WHERE version = 2"),
            "system");
  EXPECT_EQ(Apply({kCreate, kAddColumn}),
            json::parse(R"({"success":true,"applied":[],"current_version":2,
                            "message":"No pending migrations",
                            "reason":"every migration is applied: the latest, version 2, is the current version"})"));
}

TEST_F(MigrationRunnerTest, AFailingMigrationLeavesOnlyItsFailedRow) {
  const json reply = Apply({kCreate, kAddColumn, kBroken});
  EXPECT_EQ(reply["success"], false) << reply;
  EXPECT_EQ(reply["error"]["code"], "MIGRATION_FAILED");
  const std::string message = reply["error"]["message"];
  EXPECT_EQ(message.rfind("Failed at v003: ", 0), 0u) << message;
  EXPECT_NE(message.find("duplicate column name"), std::string::npos) << message;
  EXPECT_EQ(reply["applied"].size(), 2u);
  EXPECT_EQ(reply["current_version"], 2);
  EXPECT_FALSE(TableExists("m_partial"));  // the original kept it
  EXPECT_EQ(StatusOf(3), "failed");
  EXPECT_NE(raw_.Text("SELECT error_message FROM plugin_schema_migrations WHERE version = 3")
                ->find("duplicate column name"),
            std::string::npos);
  // Fixed, the same version applies (the original's UNIQUE row blocked it).
  const json fixed = Apply({kCreate, kAddColumn, kFixed});
  EXPECT_EQ(fixed["success"], true) << fixed;
  EXPECT_EQ(fixed["current_version"], 3);
  EXPECT_EQ(StatusOf(3), "applied");
  EXPECT_TRUE(TableExists("m_partial"));
}

TEST_F(MigrationRunnerTest, ADryRunKeepsNothing) {
  const json reply = Apply({kCreate, kAddColumn}, R"({"dry_run": true})");
  EXPECT_EQ(reply["success"], true);
  EXPECT_EQ(reply["current_version"], 0);
  EXPECT_EQ(reply["applied"].size(), 2u);
  EXPECT_EQ(reply["message"], "Dry-run: migrations not committed");
  EXPECT_FALSE(TableExists("m_quotes"));
  EXPECT_EQ(raw_.Int("SELECT COUNT(*) FROM plugin_schema_migrations"), 0);
  // ... so the real run after it works (the original's failed here).
  EXPECT_EQ(Apply({kCreate, kAddColumn})["current_version"], 2);
}

TEST_F(MigrationRunnerTest, ADryRunThatFailsReportsItAndKeepsNothing) {
  const json reply = Apply({kCreate, kAddColumn, kBroken}, R"({"dry_run": true})");
  EXPECT_EQ(reply["error"]["code"], "MIGRATION_FAILED") << reply;
  EXPECT_EQ(reply["current_version"], 0);
  EXPECT_FALSE(TableExists("m_quotes"));
  EXPECT_EQ(raw_.Int("SELECT COUNT(*) FROM plugin_schema_migrations"), 0);
}

TEST_F(MigrationRunnerTest, RollsBackNewestFirstAndMarksTheRows) {
  Apply({kCreate, kAddColumn});
  const json reply = Rollback({kCreate, kAddColumn}, R"({"version": 0})");
  EXPECT_EQ(reply["success"], true) << reply;
  EXPECT_EQ(reply["current_version"], 0);
  ASSERT_EQ(reply["rolled_back"].size(), 2u);
  EXPECT_EQ(reply["rolled_back"][0]["version"], 2);
  EXPECT_TRUE(TableExists("m_gone"));  // 002's DOWN ran first
  EXPECT_FALSE(TableExists("m_quotes"));
  EXPECT_EQ(StatusOf(1), "rolled_back");
  EXPECT_EQ(StatusOf(2), "rolled_back");
  EXPECT_EQ(Rollback({kCreate, kAddColumn}),
            json::parse(R"({"success":true,"rolled_back":[],"current_version":0,
                            "message":"No migrations to rollback"})"));
  // And up again.
  EXPECT_EQ(Apply({kCreate, kAddColumn})["current_version"], 2);
}

TEST_F(MigrationRunnerTest, RollbackDefaultsToOneStepAndDryRunKeepsNothing) {
  Apply({kCreate, kAddColumn});
  const json dry = Rollback({kCreate, kAddColumn}, R"({"dry_run": true})");
  EXPECT_EQ(dry["message"], "Dry-run: rollbacks not committed") << dry;
  EXPECT_EQ(dry["rolled_back"].size(), 1u);
  EXPECT_FALSE(TableExists("m_gone"));
  EXPECT_EQ(StatusOf(2), "applied");
  const json one = Rollback({kCreate, kAddColumn});
  EXPECT_EQ(one["current_version"], 1) << one;
  EXPECT_EQ(StatusOf(2), "rolled_back");
  EXPECT_EQ(StatusOf(1), "applied");
}

TEST_F(MigrationRunnerTest, AFailingRollbackIsUndoneAndTheVersionStaysApplied) {
  Apply({kCreate});
  ASSERT_EQ(raw_.Exec("DROP TABLE m_quotes"), "");  // its DOWN can no longer run
  const json reply = Rollback({kCreate}, R"({"version": 0})");
  EXPECT_EQ(reply["success"], false) << reply;
  EXPECT_EQ(reply["error"]["code"], "ROLLBACK_FAILED");
  EXPECT_EQ(std::string(reply["error"]["message"]).rfind("Failed at v001: ", 0), 0u);
  EXPECT_EQ(reply["current_version"], 1);
  EXPECT_EQ(StatusOf(1), "applied");
}

TEST_F(MigrationRunnerTest, RefusesStatementsThatControlTransactions) {
  const Migration commit = Parse("001_commit.sql",
                                 "-- UP\nCREATE TABLE m_a (x INTEGER);\nCOMMIT;\n"
                                 "CREATE TABLE m_b (x INTEGER);\n-- DOWN\nDROP TABLE m_a;\n");
  const json reply = Apply({commit});
  EXPECT_EQ(reply["error"]["code"], "MIGRATION_FAILED") << reply;
  EXPECT_NE(std::string(reply["error"]["message"]).find("transaction control"), std::string::npos);
  EXPECT_FALSE(TableExists("m_a"));
  EXPECT_EQ(StatusOf(1), "failed");
  for (const char* statement : {"BEGIN", "commit", "END TRANSACTION", "rollback to x",
                                "SAVEPOINT a", "RELEASE a", "VACUUM", "/* c */ ATTACH 'x' AS y",
                                "  detach y"}) {
    EXPECT_TRUE(ControlsTransactions(statement)) << statement;
  }
  for (const char* statement : {"CREATE TABLE begin_x (x)", "INSERT INTO t VALUES ('COMMIT')",
                                "UPDATE t SET ended = 1", "PRAGMA foreign_keys = ON"}) {
    EXPECT_FALSE(ControlsTransactions(statement)) << statement;
  }
}

TEST_F(MigrationRunnerTest, ValidationErrorsStopEverything) {
  const Migration drop = Parse("001_drop.sql",
                               "-- UP\nALTER TABLE x DROP COLUMN y;\n-- DOWN\nSELECT 1;\n");
  const json reply = Apply({drop});
  EXPECT_EQ(reply["error"]["code"], "VALIDATION_FAILED") << reply;
  EXPECT_EQ(raw_.Int("SELECT COUNT(*) FROM plugin_schema_migrations"), 0);
}

// roseyd: a migration of plugin "m" may not name a service table or
// another plugin's registered table; nothing of it runs.
TEST_F(MigrationRunnerTest, AMigrationThatNamesTablesNotItsPluginsRunsNothing) {
  ASSERT_EQ(raw_.Exec("INSERT INTO plugin_table_schemas (plugin_name, table_name, schema_json, "
                      "created_at, updated_at) VALUES ('m_other', 'items', '{}', 1, 1), "
                      "('m', 'own', '{}', 1, 1)"),
            "");
  const Migration reach = Parse("002_reach.sql",
                                "-- UP\nDELETE FROM channel_stats;\nUPDATE m_other_items SET a = 1;\n"
                                "-- DOWN\nSELECT 1;\n");
  const json reply = Apply({kCreate, reach});
  EXPECT_EQ(reply["error"]["code"], "VALIDATION_FAILED") << reply;
  ASSERT_EQ(reply["errors"].size(), 2u) << reply;
  EXPECT_EQ(reply["errors"][0],
            json::parse(R"({"level":"ERROR","message":"Migration names table 'channel_stats': 'channel_stats' is one of roseyd's own tables; a plugin's migrations may not act on the service's tables or on another plugin's","migration_version":2,"migration_name":"reach","category":"scope"})"));
  EXPECT_EQ(reply["errors"][1]["message"],
            "Migration names table 'm_other_items': 'm_other_items' is the table of plugin "
            "'m_other' (table 'items'); a plugin's migrations may not act on the service's "
            "tables or on another plugin's");
  EXPECT_FALSE(TableExists("m_quotes"));  // not even the migration before it
  EXPECT_EQ(raw_.Int("SELECT COUNT(*) FROM channel_stats"), 1);
  // Its own tables, registered or not, are its to change.
  const Migration own = Parse("002_own.sql",
                              "-- UP\nCREATE TABLE m_own (a TEXT);\n"
                              "-- DOWN\nDELETE FROM recent_chat;\n");
  EXPECT_EQ(Apply({kCreate, own})["current_version"], 2);
  // A rollback whose DOWN names a service table runs no step.
  const json back = Rollback({kCreate, own}, R"({"version": 0})");
  EXPECT_EQ(back["error"]["code"], "ROLLBACK_FAILED") << back;
  EXPECT_EQ(back["rolled_back"], json::array());
  EXPECT_EQ(back["current_version"], 2);
  EXPECT_EQ(StatusOf(2), "applied");
  EXPECT_TRUE(TableExists("m_quotes"));
}

TEST_F(MigrationRunnerTest, FilesThatCouldNotBeReadAnswerUnexpectedError) {
  auto request = std::get<storage_api::MigrateRequest>(storage_api::DecodeMigrateApply("{}"));
  const json reply = Run(MigrateApply{"m", request, {{}, std::string("duplicate version 1"), ""}});
  EXPECT_EQ(reply, json::parse(R"({"success":false,"error":{"code":"INTERNAL_ERROR",
                                   "message":"Unexpected error"}})"));
}

}  // namespace
}  // namespace roseyd::store
