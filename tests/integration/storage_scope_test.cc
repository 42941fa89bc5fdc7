// Plugins confined to their own tables (docs/PROTOCOL.md, "Plugin storage
// API"), against the real roseyd binary, a real nats-server and each store:
// schema.register refuses the service's tables and a table name another
// pair holds, row requests never reach either, a database that already holds
// such a registration is logged at start and left as it is, and migrations
// may not name them. The original adopted any existing table
// "<plugin>_<table>", so plugin "channel" with table "stats" could delete
// the bot's channel_stats row.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

constexpr const char* kOneField = R"({"fields":[{"name":"a","type":"text"}]})";

class StorageScopeTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    plugins_ = world_.dir().File("plugins");
    std::filesystem::create_directories(plugins_);
    world_.StartNats();
    Start();
  }
  void Start() { world_.StartRoseyd({"--set", "service.plugins_dir=" + plugins_}); }

  json Row(const std::string& plugin, const std::string& op, const json& body) {
    return json::parse(world_.Request("rosey.db.row." + plugin + "." + op, body.dump()));
  }
  json Register(const std::string& plugin, const std::string& table) {
    return Row(plugin, "schema.register", {{"table", table}, {"schema", json::parse(kOneField)}});
  }
  static json Invalid(const std::string& message) {
    return json{{"success", false}, {"error", {{"code", "VALIDATION_ERROR"}, {"message", message}}}};
  }
  void Migration(const std::string& plugin, const std::string& name, const std::string& text) {
    const std::string dir = plugins_ + "/" + plugin + "/migrations";
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/" + name) << text;
  }
  json Migrate(const std::string& plugin, const std::string& op, const json& body) {
    return json::parse(world_.Request("rosey.db.migrate." + plugin + "." + op, body.dump(),
                                      std::chrono::milliseconds(10000)));
  }

  RoseydWorld world_{GetParam()};
  std::string plugins_;
};

INSTANTIATE_TEST_SUITE_P(Stores, StorageScopeTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

// The tester's pairs, and one for each kind of the service's own table.
TEST_P(StorageScopeTest, RegisterRefusesEveryServiceTable) {
  struct Pair {
    const char* plugin;
    const char* table;
  };
  for (const Pair& pair : std::vector<Pair>{{"channel", "stats"},
                                            {"recent", "chat"},
                                            {"outbound", "messages"},
                                            {"current", "status"},
                                            {"user", "stats"},
                                            {"api", "tokens"},
                                            {"plugin", "table_schemas"},
                                            {"plugin", "kv_storage"},
                                            {"plugin", "schema_migrations"},
                                            {"roseyd", "meta"},
                                            {"alembic", "version"},
                                            {"Channel", "stats"}}) {
    const std::string full = std::string(pair.plugin) + "_" + pair.table;
    EXPECT_EQ(Register(pair.plugin, pair.table),
              Invalid("Table '" + std::string(pair.table) + "' cannot be registered for plugin '" +
                      pair.plugin + "': '" + full + "' is one of roseyd's own tables"))
        << full;
    // Nothing registered, nothing to reach.
    EXPECT_EQ(Row(pair.plugin, "delete", {{"table", pair.table}, {"id", 1}}),
              Invalid("Table '" + std::string(pair.table) + "' not registered for plugin '" +
                      pair.plugin + "'"))
        << full;
  }
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_table_schemas"), 0);
  // The bot's rows are untouched, and its high-water marks still land.
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM channel_stats WHERE id = 1"), 1);
  world_.Publish("rosey.db.stats.high_water", R"({"chat_count":7,"connected_count":9})");
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return world_.QueryInt("SELECT max_users FROM channel_stats WHERE id = 1") == 7; }));
}

TEST_P(StorageScopeTest, RegisterRefusesATableNameAnotherPairHolds) {
  ASSERT_EQ(Register("vic_tim", "items"), json::parse(R"({"success":true})"));
  ASSERT_EQ(Row("vic_tim", "insert", {{"table", "items"}, {"data", {{"a", "tim's"}}}})["id"], 1);
  const std::string taken = "'vic_tim_items' is the table of plugin 'vic_tim' (table 'items')";
  EXPECT_EQ(Register("vic", "tim_items"),
            Invalid("Table 'tim_items' cannot be registered for plugin 'vic': " + taken));
  // Again, and with the case changed (one table to SQLite): still refused.
  EXPECT_EQ(Register("vic", "tim_items"),
            Invalid("Table 'tim_items' cannot be registered for plugin 'vic': " + taken));
  EXPECT_EQ(Register("VIC_tim", "items"),
            Invalid("Table 'items' cannot be registered for plugin 'VIC_tim': 'VIC_tim_items' is "
                    "the table of plugin 'vic_tim' (table 'items')"));
  EXPECT_EQ(Row("vic", "select", {{"table", "tim_items"}, {"id", 1}}),
            Invalid("Table 'tim_items' not registered for plugin 'vic'"));
  EXPECT_EQ(Row("vic", "update", {{"table", "tim_items"}, {"id", 1}, {"data", {{"a", "x"}}}}),
            Invalid("Table 'tim_items' not registered for plugin 'vic'"));
  EXPECT_EQ(Row("vic_tim", "select", {{"table", "items"}, {"id", 1}})["data"]["a"], "tim's");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_table_schemas"), 1);
  // The owner re-registers at every start, as plugins do: first schema wins.
  EXPECT_EQ(Register("vic_tim", "items"), json::parse(R"({"success":true})"));
}

// A file from the original (or an older roseyd) that registered such pairs:
// roseyd names each at start, serves none of them, and changes nothing.
TEST_P(StorageScopeTest, ADatabaseThatAlreadyHoldsAClashIsLoggedAndLeftAsItIs) {
  ASSERT_EQ(Register("vic", "tim_items"), json::parse(R"({"success":true})"));
  ASSERT_EQ(Row("vic", "insert", {{"table", "tim_items"}, {"data", {{"a", "vic's"}}}})["id"], 1);
  ASSERT_EQ(world_.StopRoseyd(), 0);
  const std::string schema = std::string("'") + kOneField + "'";
  world_.Exec("INSERT INTO plugin_table_schemas (plugin_name, table_name, schema_json, version, "
              "created_at, updated_at) VALUES ('vic_tim', 'items', " + schema + ", 1, 2, 2), "
              "('channel', 'stats', " + schema + ", 1, 2, 2)");
  Start();
  const std::string log = world_.Log();
  EXPECT_NE(log.find("plugin_table_schemas registers table 'items' for plugin 'vic_tim', but "
                     "'vic_tim_items' is the table of plugin 'vic' (table 'tim_items'): its row "
                     "requests are refused (VALIDATION_ERROR) and its rows left untouched"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("registers table 'stats' for plugin 'channel', but 'channel_stats' is one "
                     "of roseyd's own tables"),
            std::string::npos)
      << log;
  EXPECT_EQ(Row("channel", "delete", {{"table", "stats"}, {"id", 1}}),
            Invalid("Table 'stats' of plugin 'channel' is not served: 'channel_stats' is one of "
                    "roseyd's own tables"));
  EXPECT_EQ(Row("channel", "search", {{"table", "stats"}}),
            Invalid("Table 'stats' of plugin 'channel' is not served: 'channel_stats' is one of "
                    "roseyd's own tables"));
  EXPECT_EQ(Row("vic_tim", "select", {{"table", "items"}, {"id", 1}}),
            Invalid("Table 'items' of plugin 'vic_tim' is not served: 'vic_tim_items' is the "
                    "table of plugin 'vic' (table 'tim_items')"));
  EXPECT_EQ(Register("vic_tim", "items"),
            Invalid("Table 'items' cannot be registered for plugin 'vic_tim': 'vic_tim_items' is "
                    "the table of plugin 'vic' (table 'tim_items')"));
  // The first to register the name keeps it.
  EXPECT_EQ(Row("vic", "select", {{"table", "tim_items"}, {"id", 1}})["data"]["a"], "vic's");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM channel_stats WHERE id = 1"), 1);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM plugin_table_schemas"), 3);
}

TEST_P(StorageScopeTest, MigrationsMayNotNameTheServicesOrAnotherPluginsTables) {
  ASSERT_EQ(Register("vic_tim", "items"), json::parse(R"({"success":true})"));
  Migration("channel", "001_reset.sql", "-- UP\nDELETE FROM channel_stats;\n-- DOWN\nSELECT 1;\n");
  Migration("vic", "001_notes.sql",
            "-- UP\nCREATE TABLE vic_notes (n TEXT);\n-- DOWN\nDROP TABLE vic_notes;\n");
  Migration("vic", "002_reach.sql",
            "-- UP\nUPDATE \"vic_tim_items\" SET a = 'mine';\n-- DOWN\nSELECT 1;\n");
  const json channel = Migrate("channel", "apply", json::object());
  EXPECT_EQ(channel["error"]["code"], "VALIDATION_FAILED") << channel;
  ASSERT_EQ(channel["errors"].size(), 1u) << channel;
  EXPECT_EQ(channel["errors"][0]["category"], "scope");
  EXPECT_EQ(channel["errors"][0]["message"],
            "Migration names table 'channel_stats': 'channel_stats' is one of roseyd's own "
            "tables; a plugin's migrations may not act on the service's tables or on another "
            "plugin's");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM channel_stats"), 1);
  const json vic = Migrate("vic", "apply", json::object());
  EXPECT_EQ(vic["error"]["code"], "VALIDATION_FAILED") << vic;
  EXPECT_EQ(vic["errors"][0]["migration_version"], 2);
  EXPECT_FALSE(world_.TableExists("vic_notes"));  // nothing of the request ran
  // Its own migrations run; a plugin's versions are its own (exact name).
  EXPECT_EQ(Migrate("vic", "apply", {{"target_version", 1}})["current_version"], 1);
  EXPECT_TRUE(world_.TableExists("vic_notes"));
  EXPECT_EQ(Migrate("vic_tim", "status", json::object())["current_version"], 0);
}

// Updates whose result no JSON reply could carry, on both stores (SQLite made
// the integer a float and stored infinity; PostgreSQL answered
// DATABASE_ERROR), and values that would store infinity.
TEST_P(StorageScopeTest, UpdatesThatWouldOverflowAreRefusedAndTheRowKept) {
  ASSERT_EQ(Row("p", "schema.register",
                json::parse(R"({"table":"t","schema":{"fields":[{"name":"n","type":"integer"},
                               {"name":"f","type":"float"}]}})")),
            json::parse(R"({"success":true})"));
  ASSERT_EQ(Row("p", "insert",
                json::parse(R"({"table":"t","data":{"n":9223372036854775807,"f":1e308}})"))["id"],
            1);
  const auto update = [&](const char* operations) {
    return Row("p", "update",
               json::parse(std::string(R"({"table":"t","id":1,"operations":)") + operations + "}"));
  };
  EXPECT_EQ(update(R"({"n":{"$inc":1}})"),
            Invalid("Operator $inc on field 'n' would take it beyond the 64-bit integer range"));
  EXPECT_EQ(update(R"({"n":{"$mul":-2}})"),
            Invalid("Operator $mul on field 'n' would take it beyond the 64-bit integer range"));
  EXPECT_EQ(update(R"({"f":{"$mul":10}})"),
            Invalid("Operator $mul on field 'f' would make it infinite"));
  EXPECT_EQ(Row("p", "update", json::parse(R"({"table":"t","id":1,"data":{"f":"inf"}})")),
            Invalid("Field 'f': Cannot convert value to float: inf is not a finite number (roseyd "
                    "stores only what a JSON reply can carry)"));
  EXPECT_EQ(Row("p", "insert", json::parse(R"({"table":"t","data":{"f":"-1e400"}})")),
            Invalid("Row 0: Field 'f': Cannot convert value to float: -inf is not a finite number "
                    "(roseyd stores only what a JSON reply can carry)"));
  const json row = Row("p", "select", {{"table", "t"}, {"id", 1}});
  EXPECT_EQ(row["data"]["n"], 9223372036854775807) << row;
  EXPECT_EQ(row["data"]["f"], 1e308) << row;
  EXPECT_EQ(update(R"({"n":{"$dec":1},"f":{"$mul":1.5}})"),
            json::parse(R"({"success":true,"id":1,"updated":true})"));
  EXPECT_EQ(Row("p", "select", {{"table", "t"}, {"id", 1}})["data"]["n"], 9223372036854775806);
}

// A row or key the original stored with a non-finite number is answered as
// strict JSON (json::parse refuses Infinity and NaN) with null there, and
// counted.
TEST_P(StorageScopeTest, StoredNonFiniteValuesAreAnsweredAsNullAndCounted) {
  ASSERT_EQ(Row("p", "schema.register",
                json::parse(R"({"table":"t","schema":{"fields":[{"name":"f","type":"float"}]}})")),
            json::parse(R"({"success":true})"));
  ASSERT_EQ(Row("p", "insert", json::parse(R"({"table":"t","data":[{"f":1.5},{"f":2.5}]})"))["ids"],
            json::parse("[1, 2]"));
  if (GetParam() == StoreKind::kSqlite) {
    world_.Exec("UPDATE p_t SET f = 1e999 WHERE id = 1; UPDATE p_t SET f = -1e999 WHERE id = 2");
  } else {
    world_.Exec("UPDATE p_t SET f = 'Infinity' WHERE id = 1; UPDATE p_t SET f = 'NaN' WHERE id = 2");
  }
  world_.Exec("INSERT INTO plugin_kv_storage (plugin_name, \"key\", value_json, created_at, "
              "updated_at) VALUES ('p', 'k', '{\"x\": NaN, \"y\": [Infinity, 1]}', 1, 1)");
  const json one = Row("p", "select", {{"table", "t"}, {"id", 1}});
  EXPECT_TRUE(one["data"]["f"].is_null()) << one;
  const json both = Row("p", "search", {{"table", "t"}});
  ASSERT_EQ(both["rows"].size(), 2u) << both;
  EXPECT_TRUE(both["rows"][1]["f"].is_null()) << both;
  EXPECT_EQ(json::parse(world_.Request("rosey.db.kv.get", R"({"plugin_name":"p","key":"k"})")),
            json::parse(R"({"success":true,"data":{"exists":true,"value":{"x":null,"y":[null,1]}}})"));
  EXPECT_EQ(world_.Metric("roseyd_storage_non_finite_values_total{family=\"row\"}"), 3);
  EXPECT_EQ(world_.Metric("roseyd_storage_non_finite_values_total{family=\"kv\"}"), 2);
}

}  // namespace
}  // namespace roseyd::testing
