#include "store/sqlite/schema.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_reader.h"
#include "store/sqlite/sqlite_writer.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"
#include "writer/sqlite_event_writer.h"

namespace roseyd::store {
namespace {

// Column names of `table`, in order, read through PRAGMA table_info.
std::vector<std::string> Columns(RawSqlite* raw, const std::string& table) {
  std::vector<std::string> columns;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(raw->get(), ("PRAGMA table_info(" + table + ")").c_str(), -1, &stmt,
                               nullptr),
            SQLITE_OK);
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    columns.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
  }
  sqlite3_finalize(stmt);
  return columns;
}

const std::map<std::string, std::vector<std::string>>& ExpectedColumns() {
  static const std::map<std::string, std::vector<std::string>> expected = {
      {"user_stats",
       {"username", "first_seen", "last_seen", "total_chat_lines", "total_time_connected",
        "current_session_start"}},
      {"user_actions", {"id", "timestamp", "username", "action_type", "details"}},
      {"channel_stats",
       {"id", "max_users", "max_users_timestamp", "max_connected", "max_connected_timestamp",
        "last_updated"}},
      {"user_count_history", {"id", "timestamp", "chat_users", "connected_users"}},
      {"recent_chat", {"id", "timestamp", "username", "message"}},
      {"current_status",
       {"id", "bot_name", "bot_rank", "bot_afk", "channel_name", "current_chat_users",
        "current_connected_users", "playlist_items", "current_media_title",
        "current_media_duration", "bot_start_time", "bot_connected", "last_updated"}},
      {"outbound_messages",
       {"id", "timestamp", "message", "sent", "sent_timestamp", "retry_count", "last_error"}},
      {"api_tokens", {"token", "description", "created_at", "last_used", "revoked"}},
  };
  return expected;
}

TEST(SchemaTest, CreatesEveryTableColumnAndIndex) {
  testing::TempDir dir;
  { auto writer = OpenSqliteEventWriter(StoreConfig{}, dir.File("rosey.db"), nullptr); }
  RawSqlite raw(dir.File("rosey.db"));
  for (const auto& [table, columns] : ExpectedColumns()) {
    EXPECT_EQ(Columns(&raw, table), columns) << table;
  }
  EXPECT_EQ(TableNames().size(), ExpectedColumns().size());
  for (const char* index : {"idx_user_count_timestamp", "idx_recent_chat_timestamp",
                            "idx_outbound_sent", "idx_api_tokens_revoked"}) {
    EXPECT_EQ(raw.Int(std::string("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                                  "AND name = '") +
                      index + "'"),
              1)
        << index;
  }
  EXPECT_EQ(raw.Text("SELECT sql FROM sqlite_master WHERE name = 'idx_outbound_sent'"),
            "CREATE INDEX idx_outbound_sent ON outbound_messages(sent, timestamp)");
  // Only roseyd_meta and the three plugin storage tables beyond the
  // original's tables (and SQLite's own).
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"),
            12);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM channel_stats WHERE id = 1 AND max_users = 0"), 1);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM current_status WHERE id = 1"), 1);
  EXPECT_TRUE(raw.Int("SELECT last_updated FROM current_status").has_value());
}

TEST(SchemaTest, ReopeningKeepsRowsAndSeedsOnce) {
  testing::TempDir dir;
  { auto writer = OpenSqliteEventWriter(StoreConfig{}, dir.File("rosey.db"), nullptr); }
  {
    RawSqlite raw(dir.File("rosey.db"));
    ASSERT_EQ(raw.Exec("UPDATE channel_stats SET max_users = 9"), "");
  }
  { auto writer = OpenSqliteEventWriter(StoreConfig{}, dir.File("rosey.db"), nullptr); }
  RawSqlite raw(dir.File("rosey.db"));
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM channel_stats"), 1);
  EXPECT_EQ(raw.Int("SELECT max_users FROM channel_stats"), 9);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM current_status"), 1);
}

// The original's schema before it added channel_stats.max_connected* and
// outbound_messages.retry_count/last_error, with rows in it, in its
// default rollback-journal mode.
constexpr const char* kOriginalOldSchema = R"sql(
CREATE TABLE user_stats (username TEXT PRIMARY KEY, first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL, total_chat_lines INTEGER DEFAULT 0,
  total_time_connected INTEGER DEFAULT 0, current_session_start INTEGER);
CREATE TABLE user_actions (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL,
  username TEXT NOT NULL, action_type TEXT NOT NULL, details TEXT);
CREATE TABLE channel_stats (id INTEGER PRIMARY KEY CHECK (id = 1), max_users INTEGER DEFAULT 0,
  max_users_timestamp INTEGER, last_updated INTEGER);
CREATE TABLE user_count_history (id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL, chat_users INTEGER NOT NULL, connected_users INTEGER NOT NULL);
CREATE INDEX idx_user_count_timestamp ON user_count_history(timestamp);
CREATE TABLE recent_chat (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL,
  username TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX idx_recent_chat_timestamp ON recent_chat(timestamp DESC);
CREATE TABLE current_status (id INTEGER PRIMARY KEY CHECK (id = 1), bot_name TEXT,
  bot_rank REAL, bot_afk INTEGER DEFAULT 0, channel_name TEXT,
  current_chat_users INTEGER DEFAULT 0, current_connected_users INTEGER DEFAULT 0,
  playlist_items INTEGER DEFAULT 0, current_media_title TEXT, current_media_duration INTEGER,
  bot_start_time INTEGER, bot_connected INTEGER DEFAULT 0, last_updated INTEGER);
CREATE TABLE outbound_messages (id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL, message TEXT NOT NULL, sent INTEGER DEFAULT 0,
  sent_timestamp INTEGER);
CREATE INDEX idx_outbound_sent ON outbound_messages(sent, timestamp);
INSERT INTO user_stats VALUES ('alice', 100, 200, 5, 60, NULL);
INSERT INTO channel_stats (id, max_users, max_users_timestamp, last_updated)
  VALUES (1, 17, 150, 150);
INSERT INTO current_status (id, bot_name, last_updated) VALUES (1, 'Rosey', 150);
INSERT INTO recent_chat (timestamp, username, message) VALUES (190, 'alice', 'old line');
INSERT INTO outbound_messages (timestamp, message, sent) VALUES (120, 'queued', 0);
)sql";

TEST(SchemaTest, UpgradesTheOriginalsOlderFileInPlace) {
  testing::TempDir dir;
  const std::string path = dir.File("bot_data.db");
  {
    RawSqlite raw(path);
    ASSERT_EQ(raw.Exec(kOriginalOldSchema), "");
  }
  { auto writer = OpenSqliteEventWriter(StoreConfig{}, path, nullptr); }
  RawSqlite raw(path);
  for (const auto& [table, columns] : ExpectedColumns()) {
    // ALTER TABLE appends, so an upgraded table has the same set in another order.
    auto actual = Columns(&raw, table);
    auto expected = columns;
    std::sort(actual.begin(), actual.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(actual, expected) << table;
  }
  EXPECT_EQ(raw.Int("SELECT total_chat_lines FROM user_stats WHERE username = 'alice'"), 5);
  EXPECT_EQ(raw.Int("SELECT max_users FROM channel_stats"), 17);
  EXPECT_EQ(raw.Int("SELECT max_connected FROM channel_stats"), 0);  // the column default
  EXPECT_EQ(raw.Int("SELECT max_connected_timestamp FROM channel_stats"), std::nullopt);
  EXPECT_EQ(raw.Text("SELECT bot_name FROM current_status"), "Rosey");
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM current_status"), 1);
  EXPECT_EQ(raw.Text("SELECT message FROM recent_chat"), "old line");
  EXPECT_EQ(raw.Int("SELECT retry_count FROM outbound_messages"), 0);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM api_tokens"), 0);  // created, empty
  // The original's own queries still run on the upgraded file.
  EXPECT_EQ(raw.Text("SELECT message FROM outbound_messages WHERE sent = 0 AND retry_count < 3 "
                     "AND (retry_count = 0 OR timestamp + (1 << retry_count) * 60 <= 999) "
                     "ORDER BY timestamp ASC LIMIT 50"),
            "queued");
  EXPECT_EQ(raw.Int("SELECT max_connected FROM channel_stats WHERE id = 1"), 0);
  // And roseyd's reader sees the old rows.
  SqliteReader reader(path, std::chrono::milliseconds(1000));
  ChannelStats stats;
  ASSERT_OK(reader.GetChannelStats(&stats));
  EXPECT_EQ(stats.max_users, 17);
  EXPECT_EQ(stats.total_users_seen, 1);
}

TEST(SchemaTest, StatusColumnWhitelistMatchesTheProtocol) {
  EXPECT_EQ(StatusColumns().size(), kStatusColumnCount);
  EXPECT_EQ(StatusColumnIndex("bot_name"), 0);
  EXPECT_EQ(StatusColumnIndex("bot_connected"), 10);
  EXPECT_EQ(StatusColumnIndex("last_updated"), -1);  // always set by roseyd itself
  EXPECT_EQ(StatusColumnIndex("id"), -1);
  EXPECT_EQ(StatusColumnIndex("bot_name = 'x', id"), -1);
  EXPECT_TRUE(IsTableName("recent_chat"));
  EXPECT_FALSE(IsTableName("sqlite_master"));
}

// Rosey's newest models, as Base.metadata.create_all() lays a file out (and
// the migration tracking table its first apply adds): the dump of
// ../shared/schema/schema-head-create_all.sql, kept in tests/fixtures.
std::string RoseyHeadSchema() {
  std::ifstream in(std::string(ROSEYD_SOURCE_DIR) + "/tests/fixtures/rosey-head-create_all.sql");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty());
  return text.str();
}

// Each CREATE of the dump by the name it creates, as sqlite_master keeps it.
std::map<std::string, std::string> CreatesByName(const std::string& dump) {
  std::map<std::string, std::string> creates;
  const std::regex name(R"(^CREATE (?:UNIQUE )?(?:TABLE|INDEX) (\w+))");
  std::string statement;
  std::istringstream lines(dump);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("--", 0) == 0) continue;
    statement += (statement.empty() ? "" : "\n") + line;
    if (line.empty() || line.back() != ';') continue;
    statement.pop_back();
    std::smatch m;
    if (std::regex_search(statement, m, name)) creates[m[1]] = statement;
    statement.clear();
  }
  return creates;
}

std::string Trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

TEST(SchemaTest, CreatesThePluginStorageTablesWithTheOriginalsDdl) {
  testing::TempDir dir;
  { auto writer = OpenSqliteEventWriter(StoreConfig{}, dir.File("rosey.db"), nullptr); }
  RawSqlite raw(dir.File("rosey.db"));
  const auto expected = CreatesByName(RoseyHeadSchema());
  for (const char* name :
       {"plugin_kv_storage", "idx_plugin_kv_expires", "idx_plugin_kv_prefix",
        "plugin_table_schemas", "idx_plugin_table_unique", "idx_plugin_name",
        "ix_plugin_table_schemas_plugin_name", "plugin_schema_migrations",
        "idx_plugin_migrations_status"}) {
    ASSERT_EQ(expected.count(name), 1u) << name;
    EXPECT_EQ(Trimmed(raw.Text(std::string("SELECT sql FROM sqlite_master WHERE name = '") +
                               name + "'")
                          .value_or("(missing)")),
              Trimmed(expected.at(name)))
        << name;
  }
}

// roseyd's own schema before the plugin storage tables, with rows.
constexpr const char* kRoseydBeforePluginStorage = R"sql(
CREATE TABLE user_stats (username TEXT PRIMARY KEY, first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL, total_chat_lines INTEGER DEFAULT 0,
  total_time_connected INTEGER DEFAULT 0, current_session_start INTEGER);
CREATE TABLE user_actions (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL,
  username TEXT NOT NULL, action_type TEXT NOT NULL, details TEXT);
CREATE TABLE channel_stats (id INTEGER PRIMARY KEY CHECK (id = 1), max_users INTEGER DEFAULT 0,
  max_users_timestamp INTEGER, max_connected INTEGER DEFAULT 0, max_connected_timestamp INTEGER,
  last_updated INTEGER);
CREATE TABLE user_count_history (id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL, chat_users INTEGER NOT NULL, connected_users INTEGER NOT NULL);
CREATE INDEX idx_user_count_timestamp ON user_count_history(timestamp);
CREATE TABLE recent_chat (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL,
  username TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX idx_recent_chat_timestamp ON recent_chat(timestamp DESC);
CREATE TABLE current_status (id INTEGER PRIMARY KEY CHECK (id = 1), bot_name TEXT,
  bot_rank REAL, bot_afk INTEGER DEFAULT 0, channel_name TEXT,
  current_chat_users INTEGER DEFAULT 0, current_connected_users INTEGER DEFAULT 0,
  playlist_items INTEGER DEFAULT 0, current_media_title TEXT, current_media_duration INTEGER,
  bot_start_time INTEGER, bot_connected INTEGER DEFAULT 0, last_updated INTEGER);
CREATE TABLE outbound_messages (id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL, message TEXT NOT NULL, sent INTEGER DEFAULT 0,
  sent_timestamp INTEGER, retry_count INTEGER DEFAULT 0, last_error TEXT);
CREATE INDEX idx_outbound_sent ON outbound_messages(sent, timestamp);
CREATE TABLE api_tokens (token TEXT PRIMARY KEY, description TEXT, created_at INTEGER NOT NULL,
  last_used INTEGER, revoked INTEGER DEFAULT 0);
CREATE INDEX idx_api_tokens_revoked ON api_tokens(revoked, token);
CREATE TABLE roseyd_meta (key TEXT PRIMARY KEY, value TEXT);
INSERT INTO user_stats VALUES ('alice', 100, 200, 5, 60, NULL);
INSERT INTO channel_stats (id, max_users, last_updated) VALUES (1, 17, 150);
INSERT INTO current_status (id, last_updated) VALUES (1, 150);
INSERT INTO roseyd_meta VALUES ('jetstream.ROSEY_DB.last_seq', '42');
)sql";

TEST(SchemaTest, UpgradesAFileRoseydMadeBeforeThePluginStorageTables) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db");
  {
    RawSqlite raw(path);
    ASSERT_EQ(raw.Exec(kRoseydBeforePluginStorage), "");
  }
  {
    SqliteWriter writer(StoreConfig{}, path, "ROSEY_DB");
    EXPECT_EQ(writer.StreamPosition(), 42u);
  }
  RawSqlite raw(path);
  for (const char* table :
       {"plugin_kv_storage", "plugin_table_schemas", "plugin_schema_migrations"}) {
    EXPECT_EQ(raw.Int(std::string("SELECT COUNT(*) FROM ") + table), 0) << table;
  }
  EXPECT_EQ(raw.Int("SELECT total_chat_lines FROM user_stats WHERE username = 'alice'"), 5);
  EXPECT_EQ(raw.Int("SELECT max_users FROM channel_stats"), 17);
  for (const auto& [table, columns] : ExpectedColumns()) {
    EXPECT_EQ(Columns(&raw, table), columns) << table;
  }
}

TEST(SchemaTest, TellsTheLayoutOfRoseysNewestModels) {
  testing::TempDir dir;
  {
    RawSqlite raw(dir.File("head.db"));
    ASSERT_EQ(raw.Exec(RoseyHeadSchema()), "");
  }
  Database head(dir.File("head.db"), Database::Mode::kReadOnly);
  const SchemaLayout layout = DetectLayout(&head);
  EXPECT_TRUE(layout.outbound_error_message);
  EXPECT_TRUE(layout.tokens_is_active);
  EXPECT_EQ(layout.OutboundErrorColumn(), "error_message");
  { auto writer = OpenSqliteEventWriter(StoreConfig{}, dir.File("ours.db"), nullptr); }
  Database ours(dir.File("ours.db"), Database::Mode::kReadOnly);
  EXPECT_FALSE(DetectLayout(&ours).outbound_error_message);
  EXPECT_FALSE(DetectLayout(&ours).tokens_is_active);
}

// The file opens as it is: no column added (Rosey would not read a
// last_error), no index on a column it lacks; the rows it seeds satisfy its
// CHECKs; the plugin storage tables are its own.
TEST(SchemaTest, OpensAFileLaidOutLikeRoseysNewestModelsAsItIs) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db");
  std::vector<std::string> before;
  {
    RawSqlite raw(path);
    ASSERT_EQ(raw.Exec(RoseyHeadSchema()), "");
    before = Columns(&raw, "outbound_messages");
  }
  { auto writer = OpenSqliteEventWriter(StoreConfig{}, path, nullptr); }
  RawSqlite raw(path);
  EXPECT_EQ(Columns(&raw, "outbound_messages"), before);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM sqlite_master WHERE name = 'idx_api_tokens_revoked'"),
            0);
  EXPECT_EQ(raw.Text("SELECT status FROM current_status WHERE id = 1"), "offline");
  EXPECT_EQ(raw.Int("SELECT max_users FROM channel_stats WHERE id = 1"), 0);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"),
            12);  // its 11 and roseyd_meta
}

TEST(SchemaTest, ClassicWritesAndReadsUseTheNewestModelsColumns) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db");
  {
    RawSqlite raw(path);
    ASSERT_EQ(raw.Exec(RoseyHeadSchema()), "");
    ASSERT_EQ(raw.Exec("INSERT INTO outbound_messages (id, timestamp, message) VALUES "
                       "(1, 100, 'a'), (2, 100, 'b');"
                       "INSERT INTO api_tokens (token, created_at, is_active) VALUES "
                       "('old-revoked', 1, 0), ('old-active', 1, 1)"),
              "");
  }
  SqliteWriter writer(StoreConfig{}, path, "ROSEY_DB");
  std::vector<Event> batch{Event{MarkFailed{1, "muted", false}, 1000, {}, 0},
                           Event{MarkFailed{2, "banned", true}, 1000, {}, 0},
                           Event{UserCount{5, 3}, 1000, {}, 0}};  // connected < chat: CHECK
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(writer.ApplyBatch(batch, &rejected));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].index, 2u);
  RawSqlite raw(path);
  EXPECT_EQ(raw.Text("SELECT error_message FROM outbound_messages WHERE id = 1"), "muted");
  EXPECT_EQ(raw.Int("SELECT sent FROM outbound_messages WHERE id = 2"), 1);
  SqliteReader reader(path, std::chrono::milliseconds(1000));
  std::vector<OutboundRow> pending;
  ASSERT_OK(reader.OutboundPending(10, 3, 100 + 2 * 60, &pending));
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].last_error, "muted");
  ASSERT_OK(writer.Maintain(int64_t{200} * 86400));
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM api_tokens"), 1);
  EXPECT_EQ(raw.Text("SELECT token FROM api_tokens"), "old-active");
}

}  // namespace
}  // namespace roseyd::store
