// The plugin storage reads through the SQLite Reader: expired keys hidden
// at once, kv.list's literal byte prefix, rows by id and by search, the
// tracking rows, and the schema catalog loaded from the registry.
#include "store/plugin_reads.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage_api/row_search.h"
#include "store/sqlite/sqlite_reader.h"
#include "store/sqlite/sqlite_store.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"

namespace roseyd::store {
namespace {

constexpr int64_t kNow = 1'700'000'000;

class PluginReadsTest : public ::testing::Test {
 protected:
  PluginReadsTest() {
    auto store = OpenSqliteStore(StoreConfig{}, dir_.File("rosey.db"));
    { auto writer = store->OpenWriter(); }
    raw_ = std::make_unique<RawSqlite>(dir_.File("rosey.db"));
    reader_ = store->OpenReader();
  }

  void Key(const std::string& plugin, const std::string& key, const std::string& expires) {
    ASSERT_EQ(raw_->Exec("INSERT INTO plugin_kv_storage VALUES ('" + plugin + "', '" + key +
                         "', '\"v-" + key + "\"', " + expires + ", 1, 1)"),
              "");
  }

  std::vector<std::string> List(const std::string& prefix, int64_t limit = 1000) {
    std::vector<std::string> keys;
    EXPECT_OK(reader_->KvList(storage_api::KvList{"p", prefix, limit}, kNow, &keys));
    return keys;
  }

  testing::TempDir dir_;
  std::unique_ptr<RawSqlite> raw_;
  std::unique_ptr<Reader> reader_;
};

TEST_F(PluginReadsTest, KvGetHidesAKeyTheMomentItExpires) {
  Key("p", "live", std::to_string(kNow + 1));
  Key("p", "now", std::to_string(kNow));
  Key("p", "forever", "NULL");
  Key("q", "live", "NULL");
  std::optional<std::string> value;
  ASSERT_OK(reader_->KvGet({"p", "live"}, kNow, &value));
  EXPECT_EQ(value, "\"v-live\"");
  ASSERT_OK(reader_->KvGet({"p", "now"}, kNow, &value));
  EXPECT_EQ(value, std::nullopt);  // time.time() >= expires_at: gone
  ASSERT_OK(reader_->KvGet({"p", "forever"}, kNow, &value));
  EXPECT_EQ(value, "\"v-forever\"");
  ASSERT_OK(reader_->KvGet({"p", "nothing"}, kNow, &value));
  EXPECT_EQ(value, std::nullopt);
}

TEST_F(PluginReadsTest, KvListMatchesALiteralCaseSensitivePrefixInByteOrder) {
  for (const char* key : {"a_1", "a2", "a%z", "B", "a", "ab", "A"}) Key("p", key, "NULL");
  Key("p", "a_expired", std::to_string(kNow - 5));
  Key("q", "a_other", "NULL");
  EXPECT_EQ(List(""), (std::vector<std::string>{"A", "B", "a", "a%z", "a2", "a_1", "ab"}));
  EXPECT_EQ(List("a_"), (std::vector<std::string>{"a_1"}));  // '_' is no wildcard
  EXPECT_EQ(List("a%"), (std::vector<std::string>{"a%z"}));
  EXPECT_EQ(List("A"), (std::vector<std::string>{"A"}));  // nor is case folded
  EXPECT_EQ(List("", 2), (std::vector<std::string>{"A", "B", "a"}));  // limit + 1
}

TEST_F(PluginReadsTest, RowsBySelectAndSearch) {
  storage_api::SchemaCatalog catalog;
  auto decoded = storage_api::DecodeSchemaRegister(
      "p", R"({"table":"t","schema":{"fields":[{"name":"name","type":"string"}]}})");
  auto& command = std::get<storage_api::SchemaRegister>(decoded);
  ASSERT_EQ(raw_->Exec(storage_api::CreateTableSql("p_t", command.schema)), "");
  ASSERT_EQ(raw_->Exec("INSERT INTO p_t (name, created_at, updated_at) VALUES "
                       "('b', 'x', 'x'), ('a', 'x', 'x'), (NULL, 'x', 'x')"),
            "");
  catalog.Add("p", "t", command.schema);
  const storage_api::RowContext context{&catalog, "2025-01-01 00:00:00.000000"};

  auto select = std::get<storage_api::RowSelect>(
      storage_api::DecodeRowSelect("p", R"({"table":"t","id":"2"})", context));
  std::optional<storage_api::RowCells> row;
  ASSERT_OK(reader_->RowSelect(select, &row));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ((*row)[1], storage_api::SqlValue(std::string("a")));

  auto search = std::get<storage_api::RowSearch>(storage_api::DecodeRowSearch(
      "p", R"({"table":"t","sort":{"field":"name"},"limit":2})", context));
  std::vector<storage_api::RowCells> rows;
  ASSERT_OK(reader_->RowSearch(search, &rows));
  ASSERT_EQ(rows.size(), 3u);  // limit + 1: the reply says truncated
  EXPECT_EQ(rows[0][1], storage_api::SqlValue());  // NULLs first ascending, as SQLite
  EXPECT_EQ(rows[1][1], storage_api::SqlValue(std::string("a")));
}

TEST_F(PluginReadsTest, MigrationsReadTheCurrentVersionAndEveryRow) {
  ASSERT_EQ(raw_->Exec("INSERT INTO plugin_schema_migrations (plugin_name, version, name, "
                       "checksum, applied_at, applied_by, status, execution_time_ms) VALUES "
                       "('p', 1, 'one', 'c1', '2025-01-01 00:00:00.000001', 'me', 'applied', 3), "
                       "('p', 2, 'two', 'c2', '2025-01-01 00:00:00', 'me', 'failed', NULL), "
                       "('q', 5, 'other', 'c', 'x', 'me', 'applied', 1)"),
            "");
  int64_t current = -1;
  std::vector<storage_api::TrackingRow> rows;
  ASSERT_OK(reader_->Migrations("p", &current, &rows));
  EXPECT_EQ(current, 1);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].status, "failed");
  EXPECT_EQ(rows[1].execution_time_ms, std::nullopt);
  EXPECT_EQ(rows[0].execution_time_ms, 3);
  ASSERT_OK(reader_->Migrations("none", &current, &rows));
  EXPECT_EQ(current, 0);
  EXPECT_TRUE(rows.empty());
}

TEST_F(PluginReadsTest, LoadsTheRegisteredSchemasAndSkipsBrokenOnes) {
  ASSERT_EQ(raw_->Exec(
                "INSERT INTO plugin_table_schemas (plugin_name, table_name, schema_json, "
                "created_at, updated_at) VALUES "
                "('quote-db', 'quotes', '{\"fields\": [{\"name\": \"text\", \"type\": "
                "\"text\", \"required\": true, \"max_length\": 1000}]}', 1, 1), "
                "('p', 'broken', 'not json', 1, 1)"),
            "");
  storage_api::SchemaCatalog catalog;
  storage_api::CatalogLoad load;
  ASSERT_OK(reader_->LoadSchemas(&catalog, &load));
  EXPECT_EQ(load.loaded, 1u);
  EXPECT_EQ(load.skipped, 1u);
  EXPECT_TRUE(load.refused.empty());
  const auto schema = catalog.Find("quote-db", "quotes");
  ASSERT_NE(schema, nullptr);
  ASSERT_EQ(schema->fields().size(), 1u);
  EXPECT_TRUE(schema->fields()[0].required);
  EXPECT_EQ(catalog.Find("p", "broken"), nullptr);
}

// A file from the original may register pairs that reach tables not their
// own: they are refused and listed, the first pair to spell a name keeps
// it, and nothing in the file changes.
TEST_F(PluginReadsTest, LoadingRefusesRegistrationsOfTablesNotTheirPluginsOwn) {
  const std::string schema = "'{\"fields\": [{\"name\": \"a\", \"type\": \"text\"}]}'";
  ASSERT_EQ(raw_->Exec("INSERT INTO plugin_table_schemas (plugin_name, table_name, schema_json, "
                       "created_at, updated_at) VALUES "
                       "('vic_tim', 'items', " + schema + ", 1, 1), "
                       "('channel', 'stats', " + schema + ", 1, 1), "
                       "('vic', 'tim_items', " + schema + ", 1, 1), "
                       "('p', 'broken_x', 'not json', 1, 1), "
                       "('p_broken', 'x', " + schema + ", 1, 1)"),
            "");
  storage_api::SchemaCatalog catalog;
  storage_api::CatalogLoad load;
  ASSERT_OK(reader_->LoadSchemas(&catalog, &load));
  EXPECT_EQ(load.loaded, 1u);
  EXPECT_EQ(load.skipped, 1u);
  using storage_api::TableClash;
  using storage_api::TablePair;
  ASSERT_EQ(load.refused.size(), 3u);
  EXPECT_EQ(load.refused[0],
            std::make_pair(TablePair{"channel", "stats"}, TableClash{"channel_stats", {}}));
  EXPECT_EQ(load.refused[1], std::make_pair(TablePair{"vic", "tim_items"},
                                            TableClash{"vic_tim_items", TablePair{"vic_tim", "items"}}));
  // A registry row whose schema does not parse still owns its table's name.
  EXPECT_EQ(load.refused[2], std::make_pair(TablePair{"p_broken", "x"},
                                            TableClash{"p_broken_x", TablePair{"p", "broken_x"}}));
  EXPECT_NE(catalog.Find("vic_tim", "items"), nullptr);
  EXPECT_EQ(catalog.Find("vic", "tim_items"), nullptr);
  EXPECT_EQ(catalog.Refused("vic", "tim_items"), load.refused[1].second);
  EXPECT_EQ(raw_->Int("SELECT COUNT(*) FROM plugin_table_schemas"), 5);
}

}  // namespace
}  // namespace roseyd::store
