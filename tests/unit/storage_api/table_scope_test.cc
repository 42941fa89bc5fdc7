// Which tables a plugin may reach: the service's own never, a table name
// another pair holds never, with ASCII case folded; what a migration's SQL
// names; and the catalog that refuses the same pairs on arrival.
#include "storage_api/table_scope.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "storage_api/schema_catalog.h"

namespace roseyd::storage_api {
namespace {

RowSchema OneField() { return RowSchema({{"a", FieldType::kText, false}}); }

TEST(TableScopeTest, ServiceTablesWhateverTheCase) {
  for (const char* name : {"channel_stats", "recent_chat", "outbound_messages", "current_status",
                           "plugin_table_schemas", "plugin_kv_storage",
                           "plugin_schema_migrations", "roseyd_meta", "alembic_version",
                           "Channel_Stats", "sqlite_sequence", "SQLITE_master"}) {
    EXPECT_TRUE(IsServiceTable(name)) << name;
  }
  for (const char* name : {"quote-db_quotes", "channel_stats2", "trivia_user_stats", "sqlite"}) {
    EXPECT_FALSE(IsServiceTable(name)) << name;
  }
}

TEST(TableScopeTest, EachClassOfClashIsNamed) {
  const std::vector<TablePair> registry = {{"vic_tim", "items"}, {"quote-db", "quotes"}};
  // The tester's pairs: service tables by another name.
  for (const TablePair& pair : std::vector<TablePair>{{"channel", "stats"},
                                                      {"recent", "chat"},
                                                      {"outbound", "messages"},
                                                      {"current", "status"},
                                                      {"plugin", "table_schemas"},
                                                      {"Plugin", "kv_storage"}}) {
    const auto clash = FindTableClash(pair, registry);
    ASSERT_TRUE(clash) << pair.plugin << "_" << pair.table;
    EXPECT_EQ(clash->owner, std::nullopt);
  }
  const auto clash = FindTableClash({"vic", "tim_items"}, registry);
  ASSERT_TRUE(clash);
  EXPECT_EQ(*clash, (TableClash{"vic_tim_items", TablePair{"vic_tim", "items"}}));
  EXPECT_EQ(RegisterClashMessage({"vic", "tim_items"}, *clash),
            "Table 'tim_items' cannot be registered for plugin 'vic': 'vic_tim_items' is the "
            "table of plugin 'vic_tim' (table 'items')");
  EXPECT_EQ(RegisterClashMessage({"channel", "stats"}, *FindTableClash({"channel", "stats"}, {})),
            "Table 'stats' cannot be registered for plugin 'channel': 'channel_stats' is one of "
            "roseyd's own tables");
  // SQLite compares names without ASCII case: "VIC_tim" spells the same table.
  EXPECT_TRUE(FindTableClash({"VIC_tim", "items"}, registry));
  // The owner itself, and a name nobody holds, are fine.
  EXPECT_FALSE(FindTableClash({"vic_tim", "items"}, registry));
  EXPECT_FALSE(FindTableClash({"vic", "items"}, registry));
}

TEST(TableScopeTest, TheFirstPairToSpellANameOwnsIt) {
  // A file from the original may hold both: the later one is the intruder.
  const std::vector<TablePair> registry = {{"vic", "tim_items"}, {"vic_tim", "items"}};
  EXPECT_FALSE(FindTableClash({"vic", "tim_items"}, registry));
  EXPECT_EQ(FindTableClash({"vic_tim", "items"}, registry),
            (TableClash{"vic_tim_items", TablePair{"vic", "tim_items"}}));
}

TEST(TableScopeTest, AMigrationMayNotNameAnotherPluginsOrTheServicesTables) {
  const std::vector<TablePair> registry = {{"vic_tim", "items"}, {"vic", "notes"}};
  // Its own tables, registered or not, and tables nobody registered.
  EXPECT_TRUE(TablesOutsideScope("vic",
                                 "CREATE TABLE quotes (id INTEGER); ALTER TABLE vic_notes ADD "
                                 "COLUMN x TEXT; SELECT name FROM sqlite_master",
                                 registry)
                  .empty());
  const auto clashes =
      TablesOutsideScope("vic",
                         "-- channel_stats in a comment is not a name\n"
                         "DELETE FROM main.\"Channel_Stats\"; /* recent_chat */ "
                         "INSERT INTO quotes (text) VALUES ('user_stats, it''s data');\n"
                         "CREATE TRIGGER t AFTER INSERT ON quotes BEGIN "
                         "UPDATE [vic_tim_items] SET a = 1; UPDATE channel_stats SET x = 2; END;\n"
                         "CREATE FUNCTION f() RETURNS void AS $body$ DELETE FROM roseyd_meta "
                         "$body$ LANGUAGE sql",
                         registry);
  ASSERT_EQ(clashes.size(), 3u);
  EXPECT_EQ(clashes[0], (TableClash{"Channel_Stats", std::nullopt}));
  EXPECT_EQ(clashes[1], (TableClash{"vic_tim_items", TablePair{"vic_tim", "items"}}));
  EXPECT_EQ(clashes[2], (TableClash{"roseyd_meta", std::nullopt}));
  // The owner's own migrations may name it.
  EXPECT_TRUE(TablesOutsideScope("vic_tim", "DROP TABLE vic_tim_items", registry).empty());
}

TEST(SchemaCatalogScopeTest, RefusesClashesOnArrivalAndFreesANameTakenBack) {
  SchemaCatalog catalog;
  std::optional<TableClash> clash;
  EXPECT_FALSE(catalog.Add("channel", "stats", OneField(), &clash));
  EXPECT_EQ(clash, (TableClash{"channel_stats", std::nullopt}));
  EXPECT_TRUE(catalog.Add("vic_tim", "items", OneField(), &clash));
  EXPECT_EQ(clash, std::nullopt);
  EXPECT_FALSE(catalog.Add("vic", "tim_items", OneField(), &clash));
  EXPECT_EQ(clash, (TableClash{"vic_tim_items", TablePair{"vic_tim", "items"}}));
  EXPECT_EQ(catalog.Find("vic", "tim_items"), nullptr);
  // Registered already: no clash, nothing added.
  EXPECT_FALSE(catalog.Add("vic_tim", "items", OneField(), &clash));
  EXPECT_EQ(clash, std::nullopt);
  // A registration taken back (its CREATE TABLE failed) frees the name.
  catalog.Remove("vic_tim", "items");
  EXPECT_TRUE(catalog.Add("vic", "tim_items", OneField(), &clash));
}

TEST(SchemaCatalogScopeTest, AHeldNameHasNoSchemaButStaysTaken) {
  SchemaCatalog catalog;
  EXPECT_TRUE(catalog.Hold("p", "b_x"));  // a registry row whose schema does not parse
  EXPECT_EQ(catalog.Find("p", "b_x"), nullptr);
  std::optional<TableClash> clash;
  EXPECT_FALSE(catalog.Add("p_b", "x", OneField(), &clash));
  EXPECT_EQ(clash, (TableClash{"p_b_x", TablePair{"p", "b_x"}}));
  EXPECT_FALSE(catalog.Add("P", "b_x", OneField(), &clash));
  EXPECT_EQ(clash, (TableClash{"P_b_x", TablePair{"p", "b_x"}}));
}

}  // namespace
}  // namespace roseyd::storage_api
