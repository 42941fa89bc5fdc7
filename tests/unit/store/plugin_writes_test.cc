// Plugin-storage writes in the SQLite writer's batches: the outcome each
// leaves in its PluginWrite, one failing write rolled back to its savepoint
// while the rest of the batch commits, a write that ends the transaction
// restarting the batch without it, and the purge of expired keys.
#include "store/plugin_writes.h"

#include <sqlite3.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage_api/kv.h"
#include "storage_api/row_commands.h"
#include "storage_api/row_schema.h"
#include "storage_api/table_scope.h"
#include "store/sqlite/sqlite_store.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"

namespace roseyd::store {
namespace {

constexpr int64_t kNow = 1'700'000'000;

std::shared_ptr<PluginWrite> Write(PluginCommand command) {
  return std::make_shared<PluginWrite>(std::move(command));
}

storage_api::KvSet Set(std::string key, std::string value_json,
                       std::optional<int64_t> expires_at = std::nullopt) {
  return storage_api::KvSet{"p", std::move(key), std::move(value_json), expires_at};
}

class PluginWritesTest : public ::testing::Test {
 protected:
  PluginWritesTest()
      : store_(OpenSqliteStore(StoreConfig{}, dir_.File("rosey.db"))),
        writer_(store_->OpenWriter()),
        raw_(dir_.File("rosey.db")) {}

  // Applies `writes` (and a chat line between each) as one batch.
  Status Apply(const std::vector<std::shared_ptr<PluginWrite>>& writes,
               std::vector<RefusedEvent>* rejected = nullptr) {
    std::vector<Event> batch;
    for (const auto& write : writes) {
      batch.push_back(Event{LogChat{"u", "line", std::nullopt}, kNow, {}, 0});
      batch.push_back(Event{write, kNow, {}, 0});
    }
    std::vector<RefusedEvent> ignored;
    return writer_->ApplyBatch(batch, rejected != nullptr ? rejected : &ignored);
  }

  // Registers table "items" of plugin "p": a required title, an integer n.
  storage_api::SchemaRegister Items() {
    auto decoded = storage_api::DecodeSchemaRegister(
        "p", R"({"table":"items","schema":{"fields":[{"name":"title","type":"string",
                 "required":true},{"name":"n","type":"integer"}]}})");
    return std::get<storage_api::SchemaRegister>(decoded);
  }

  storage_api::RowInsert Insert(const std::string& payload) {
    catalog_.Add("p", "items", Items().schema);
    auto decoded = storage_api::DecodeRowInsert(
        "p", payload, storage_api::RowContext{&catalog_, "2025-01-02 03:04:05.000000"});
    return std::get<storage_api::RowInsert>(decoded);
  }

  int64_t Count(const std::string& sql) { return raw_.Int(sql).value_or(-1); }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreWriter> writer_;
  RawSqlite raw_;
  storage_api::SchemaCatalog catalog_;
};

TEST_F(PluginWritesTest, KvSetUpsertsKeepingCreatedAtAndDeleteCountsTheRow) {
  auto first = Write(Set("k", "1", kNow + 60));
  ASSERT_OK(Apply({first}));
  EXPECT_OK(first->outcome.status);
  EXPECT_EQ(Count("SELECT expires_at FROM plugin_kv_storage WHERE key = 'k'"), kNow + 60);
  ASSERT_EQ(raw_.Exec("UPDATE plugin_kv_storage SET created_at = 5"), "");
  ASSERT_OK(Apply({Write(Set("k", "[2]"))}));
  EXPECT_EQ(raw_.Text("SELECT value_json FROM plugin_kv_storage WHERE key = 'k'"), "[2]");
  EXPECT_EQ(Count("SELECT created_at FROM plugin_kv_storage"), 5);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plugin_kv_storage WHERE expires_at IS NULL"), 1);

  auto removed = Write(KvDelete{{"p", "k"}});
  auto absent = Write(KvDelete{{"p", "k"}});
  ASSERT_OK(Apply({removed, absent}));
  EXPECT_EQ(removed->outcome.changes, 1);
  EXPECT_EQ(absent->outcome.changes, 0);
}

TEST_F(PluginWritesTest, SchemaRegisterCreatesTheTableAndTheRegistryRow) {
  auto write = Write(Items());
  ASSERT_OK(Apply({write}));
  EXPECT_OK(write->outcome.status);
  EXPECT_EQ(raw_.Text("SELECT sql FROM sqlite_master WHERE name = 'p_items'"),
            storage_api::CreateTableSql("p_items", Items().schema));
  EXPECT_EQ(raw_.Text("SELECT schema_json FROM plugin_table_schemas WHERE plugin_name = 'p' "
                      "AND table_name = 'items' AND version = 1 AND created_at = " +
                      std::to_string(kNow)),
            Items().schema_json);
  // Again (after a restart lost the cache): the table is kept, the first
  // schema's row too.
  auto again = Write(Items());
  ASSERT_OK(Apply({again}));
  EXPECT_OK(again->outcome.status);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plugin_table_schemas"), 1);
}

TEST_F(PluginWritesTest, SchemaRegisterAdoptsATableThatExists) {
  ASSERT_EQ(raw_.Exec("CREATE TABLE p_items (id INTEGER PRIMARY KEY, title TEXT, n INTEGER, "
                      "extra TEXT, created_at TEXT, updated_at TEXT)"),
            "");
  auto write = Write(Items());
  ASSERT_OK(Apply({write}));
  EXPECT_OK(write->outcome.status);
  EXPECT_NE(raw_.Text("SELECT sql FROM sqlite_master WHERE name = 'p_items'")->find("extra"),
            std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plugin_table_schemas"), 1);
}

TEST_F(PluginWritesTest, InsertUpdateDeleteReportIdsAndMatches) {
  ASSERT_OK(Apply({Write(Items())}));
  auto inserted = Write(Insert(R"({"table":"items","data":[{"title":"a"},{"title":"b","n":2}]})"));
  ASSERT_OK(Apply({inserted}));
  EXPECT_OK(inserted->outcome.status);
  EXPECT_EQ(inserted->outcome.ids, (std::vector<int64_t>{1, 2}));

  auto decoded = storage_api::DecodeRowUpdate(
      "p", R"({"table":"items","id":2,"operations":{"n":{"$inc":5}}})",
      storage_api::RowContext{&catalog_, "2025-01-02 03:04:06.000000"});
  auto updated = Write(std::get<storage_api::RowUpdate>(decoded));
  auto missing_decoded = storage_api::DecodeRowUpdate(
      "p", R"({"table":"items","id":9,"data":{"n":1}})", storage_api::RowContext{&catalog_, "x"});
  auto missing = Write(std::get<storage_api::RowUpdate>(missing_decoded));
  ASSERT_OK(Apply({updated, missing}));
  EXPECT_EQ(updated->outcome.changes, 1);
  EXPECT_EQ(missing->outcome.changes, 0);
  EXPECT_EQ(Count("SELECT n FROM p_items WHERE id = 2"), 7);
  EXPECT_EQ(raw_.Text("SELECT updated_at FROM p_items WHERE id = 2"), "2025-01-02 03:04:06.000000");

  auto deleted = Write(std::get<storage_api::RowDelete>(storage_api::DecodeRowDelete(
      "p", R"({"table":"items","id":1})", storage_api::RowContext{&catalog_, "x"})));
  ASSERT_OK(Apply({deleted}));
  EXPECT_EQ(deleted->outcome.changes, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM p_items"), 1);
}

// A failing write (here a trigger another tool added) is undone alone: the
// rows of the same request before the failure, too; the events and the other
// writes of the batch commit.
TEST_F(PluginWritesTest, AFailingWriteCostsNothingElseOfItsBatch) {
  ASSERT_OK(Apply({Write(Items())}));
  ASSERT_EQ(raw_.Exec("CREATE TRIGGER refuse BEFORE INSERT ON p_items WHEN NEW.title = 'bad' "
                      "BEGIN SELECT RAISE(ABORT, 'refused'); END;"),
            "");
  auto good = Write(Insert(R"({"table":"items","data":{"title":"good"}})"));
  auto bad = Write(Insert(R"({"table":"items","data":[{"title":"first"},{"title":"bad"}]})"));
  auto kv = Write(Set("after", "true"));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply({good, bad, kv}, &rejected));
  EXPECT_TRUE(rejected.empty());
  EXPECT_OK(good->outcome.status);
  EXPECT_EQ(bad->outcome.status.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(bad->outcome.status.message().find("refused"), std::string::npos);
  EXPECT_OK(kv->outcome.status);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM p_items"), 1);  // "first" undone with "bad"
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plugin_kv_storage"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM recent_chat"), 1 + 3);  // the register's batch had one
}

TEST_F(PluginWritesTest, AWriteToATableThatIsGoneFailsAlone) {
  ASSERT_OK(Apply({Write(Items())}));
  auto insert = Insert(R"({"table":"items","data":{"title":"x"}})");
  ASSERT_EQ(raw_.Exec("DROP TABLE p_items"), "");
  auto write = Write(insert);
  ASSERT_OK(Apply({write, Write(Set("k", "1"))}));
  EXPECT_EQ(write->outcome.status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plugin_kv_storage"), 1);
}

// RAISE(ROLLBACK) ends the whole transaction: the batch is done again
// without the write, which is reported rejected with its failure kept.
TEST_F(PluginWritesTest, AWriteThatEndsTheTransactionIsRejectedAndTheBatchRedone) {
  ASSERT_OK(Apply({Write(Items())}));
  ASSERT_EQ(raw_.Exec("CREATE TRIGGER end_all BEFORE INSERT ON p_items WHEN NEW.title = 'bad' "
                      "BEGIN SELECT RAISE(ROLLBACK, 'ended'); END;"),
            "");
  auto before = Write(Set("before", "1"));
  auto bad = Write(Insert(R"({"table":"items","data":{"title":"bad"}})"));
  auto after = Write(Set("after", "2"));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply({before, bad, after}, &rejected));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].index, 3u);  // chat, before, chat, bad, ...
  EXPECT_FALSE(bad->outcome.status.ok());
  EXPECT_OK(before->outcome.status);
  EXPECT_OK(after->outcome.status);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plugin_kv_storage"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM recent_chat"), 1 + 3);  // the register's batch had one
  EXPECT_EQ(Count("SELECT COUNT(*) FROM p_items"), 0);
}

TEST_F(PluginWritesTest, PurgeDeletesOnlyKeysExpiredBeforeNow) {
  ASSERT_OK(Apply({Write(Set("gone", "1", kNow - 1)), Write(Set("edge", "1", kNow)),
                   Write(Set("live", "1", kNow + 1)), Write(Set("forever", "1"))}));
  int64_t purged = 0;
  ASSERT_OK(writer_->PurgeExpiredKeys(kNow, &purged));
  EXPECT_EQ(purged, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plugin_kv_storage"), 3);
}

// roseyd: the writer refuses a registration whose table is not the
// plugin's by what the registry holds (another roseyd may have registered
// it; the catalog refuses the rest on arrival), and changes nothing.
TEST_F(PluginWritesTest, SchemaRegisterRefusesATableThatIsNotThePlugins) {
  ASSERT_OK(Apply({Write(Items())}));  // p + items
  const auto decode = [](const std::string& plugin, const std::string& table) {
    return std::get<storage_api::SchemaRegister>(storage_api::DecodeSchemaRegister(
        plugin, R"({"table":")" + table + R"(","schema":{"fields":[{"name":"a","type":"text"}]}})"));
  };
  auto other = Write(decode("P", "items"));  // the same table to SQLite
  auto service = Write(decode("channel", "stats"));
  ASSERT_OK(Apply({other, service}));
  ASSERT_TRUE(other->outcome.refusal);
  EXPECT_EQ(*other->outcome.refusal,
            (storage_api::ErrorReply{storage_api::ErrorCode::kValidationError,
                                     "Table 'items' cannot be registered for plugin 'P': 'P_items' "
                                     "is the table of plugin 'p' (table 'items')"}));
  ASSERT_TRUE(service->outcome.refusal);
  EXPECT_EQ(service->outcome.refusal->message,
            "Table 'stats' cannot be registered for plugin 'channel': 'channel_stats' is one of "
            "roseyd's own tables");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM plugin_table_schemas"), 1);
  EXPECT_EQ(raw_.Text("SELECT sql FROM sqlite_master WHERE name = 'channel_stats'")->find("\ta "),
            std::string::npos);
}

// Every table the store makes, and every table of Rosey's own schema (its
// create_all layout, tests/fixtures), is one plugins may not register.
TEST_F(PluginWritesTest, EveryTableOfTheServiceAndOfRoseysSchemaIsRefused) {
  std::vector<std::string> tables;
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw_.get(), "SELECT name FROM sqlite_master WHERE type = 'table'",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  sqlite3_finalize(stmt);
  std::ifstream in(std::string(ROSEYD_SOURCE_DIR) + "/tests/fixtures/rosey-head-create_all.sql");
  const std::string schema((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(schema.empty());
  for (size_t at = schema.find("CREATE TABLE "); at != std::string::npos;
       at = schema.find("CREATE TABLE ", at + 1)) {
    const size_t start = at + 13;
    tables.push_back(schema.substr(start, schema.find_first_of(" (", start) - start));
  }
  ASSERT_GE(tables.size(), 20u);
  for (const std::string& table : tables) {
    EXPECT_TRUE(storage_api::IsServiceTable(table)) << table;
    const size_t split = table.find('_');
    if (split == std::string::npos) continue;
    EXPECT_TRUE(storage_api::FindTableClash({table.substr(0, split), table.substr(split + 1)}, {}))
        << table;
  }
}

// roseyd: SQLite made an integer past 64 bits a float and stored infinity;
// the writer refuses such an update and leaves the row as it was.
TEST_F(PluginWritesTest, AnUpdateWhoseResultNoReplyCouldCarryChangesNothing) {
  ASSERT_OK(Apply({Write(Items())}));
  ASSERT_OK(Apply({Write(Insert(R"({"table":"items","data":{"title":"a","n":9223372036854775807}})"))}));
  const auto update = [&](const std::string& body) {
    return Write(std::get<storage_api::RowUpdate>(storage_api::DecodeRowUpdate(
        "p", body, storage_api::RowContext{&catalog_, "2025-01-02 03:04:06.000000"})));
  };
  auto overflow = update(R"({"table":"items","id":1,"operations":{"title":{"$set":"b"},"n":{"$inc":1}}})");
  auto missing = update(R"({"table":"items","id":9,"operations":{"n":{"$inc":1}}})");
  auto fine = update(R"({"table":"items","id":1,"operations":{"n":{"$dec":1}}})");
  ASSERT_OK(Apply({overflow, missing}));
  ASSERT_TRUE(overflow->outcome.refusal);
  EXPECT_EQ(overflow->outcome.refusal->message,
            "Operator $inc on field 'n' would take it beyond the 64-bit integer range");
  EXPECT_EQ(missing->outcome.refusal, std::nullopt);
  EXPECT_EQ(missing->outcome.changes, 0);  // exists false
  EXPECT_EQ(raw_.Type("SELECT n FROM p_items WHERE id = 1"), SQLITE_INTEGER);
  EXPECT_EQ(raw_.Text("SELECT title FROM p_items WHERE id = 1"), "a");
  ASSERT_OK(Apply({fine}));
  EXPECT_EQ(fine->outcome.changes, 1);
  EXPECT_EQ(raw_.Int("SELECT n FROM p_items WHERE id = 1"), 9223372036854775806);
}

}  // namespace
}  // namespace roseyd::store
