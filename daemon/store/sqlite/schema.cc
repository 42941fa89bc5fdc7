#include "store/sqlite/schema.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "base/startup_error.h"
#include "storage_api/kv.h"
#include "storage_api/migration_tracking.h"
#include "storage_api/row_schema.h"

namespace roseyd::store {
namespace {

// The original's tables and indexes, as ROSEY_PROTOCOL.md lists them.
constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS user_stats (
  username TEXT PRIMARY KEY,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  total_chat_lines INTEGER DEFAULT 0,
  total_time_connected INTEGER DEFAULT 0,
  current_session_start INTEGER);
CREATE TABLE IF NOT EXISTS user_actions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL,
  username TEXT NOT NULL,
  action_type TEXT NOT NULL,
  details TEXT);
CREATE TABLE IF NOT EXISTS channel_stats (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  max_users INTEGER DEFAULT 0,
  max_users_timestamp INTEGER,
  max_connected INTEGER DEFAULT 0,
  max_connected_timestamp INTEGER,
  last_updated INTEGER);
CREATE TABLE IF NOT EXISTS user_count_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL,
  chat_users INTEGER NOT NULL,
  connected_users INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS idx_user_count_timestamp ON user_count_history(timestamp);
CREATE TABLE IF NOT EXISTS recent_chat (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL,
  username TEXT NOT NULL,
  message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_recent_chat_timestamp ON recent_chat(timestamp DESC);
CREATE TABLE IF NOT EXISTS current_status (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  bot_name TEXT,
  bot_rank REAL,
  bot_afk INTEGER DEFAULT 0,
  channel_name TEXT,
  current_chat_users INTEGER DEFAULT 0,
  current_connected_users INTEGER DEFAULT 0,
  playlist_items INTEGER DEFAULT 0,
  current_media_title TEXT,
  current_media_duration INTEGER,
  bot_start_time INTEGER,
  bot_connected INTEGER DEFAULT 0,
  last_updated INTEGER);
CREATE TABLE IF NOT EXISTS outbound_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp INTEGER NOT NULL,
  message TEXT NOT NULL,
  sent INTEGER DEFAULT 0,
  sent_timestamp INTEGER,
  retry_count INTEGER DEFAULT 0,
  last_error TEXT);
CREATE INDEX IF NOT EXISTS idx_outbound_sent ON outbound_messages(sent, timestamp);
CREATE TABLE IF NOT EXISTS api_tokens (
  token TEXT PRIMARY KEY,
  description TEXT,
  created_at INTEGER NOT NULL,
  last_used INTEGER,
  revoked INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS roseyd_meta (key TEXT PRIMARY KEY, value TEXT);
)sql";

// Columns the original added to existing files by ALTER TABLE; a file it
// made earlier lacks them. Table and column names here are constants.
struct AddedColumn {
  const char* table;
  const char* column;
  const char* alter;
};
constexpr std::array<AddedColumn, 4> kAddedColumns = {{
    {"channel_stats", "max_connected",
     "ALTER TABLE channel_stats ADD COLUMN max_connected INTEGER DEFAULT 0"},
    {"channel_stats", "max_connected_timestamp",
     "ALTER TABLE channel_stats ADD COLUMN max_connected_timestamp INTEGER"},
    {"outbound_messages", "retry_count",
     "ALTER TABLE outbound_messages ADD COLUMN retry_count INTEGER DEFAULT 0"},
    {"outbound_messages", "last_error", "ALTER TABLE outbound_messages ADD COLUMN last_error TEXT"},
}};

constexpr std::array<std::string_view, 8> kTables = {
    "user_stats",  "user_actions",   "channel_stats",     "user_count_history",
    "recent_chat", "current_status", "outbound_messages", "api_tokens"};

constexpr std::array<std::string_view, kStatusColumnCount> kStatusColumns = {
    "bot_name",
    "bot_rank",
    "bot_afk",
    "channel_name",
    "current_chat_users",
    "current_connected_users",
    "playlist_items",
    "current_media_title",
    "current_media_duration",
    "bot_start_time",
    "bot_connected"};

[[noreturn]] void Fail(Database* db, const std::string& what, const Status& why) {
  throw StartupError("store", db->path() + ": " + what + ": " + why.message());
}

std::vector<std::string> ColumnsOf(Database* db, const char* table) {
  Statement info(db, std::string("PRAGMA table_info(") + table + ")", false);
  std::vector<std::string> columns;
  for (bool has_row = true;;) {
    const Status s = info.Step(&has_row);
    if (!s.ok()) Fail(db, "reading the columns of " + std::string(table), s);
    if (!has_row) break;
    columns.push_back(info.ColumnText(1));
  }
  return columns;
}

bool HasColumn(const std::vector<std::string>& columns, std::string_view column) {
  return std::find(columns.begin(), columns.end(), column) != columns.end();
}

void Upgrade(Database* db, const SchemaLayout& layout) {
  std::string table;
  std::vector<std::string> columns;
  for (const auto& added : kAddedColumns) {
    if (table != added.table) {
      table = added.table;
      columns = ColumnsOf(db, added.table);
    }
    // Rosey's newest models call it error_message: that file has its column.
    if (layout.outbound_error_message && std::string_view(added.column) == "last_error") continue;
    if (!HasColumn(columns, added.column)) {
      db->ExecOrThrow(added.alter, std::string("adding ") + table + "." + added.column);
    }
  }
  if (!layout.tokens_is_active) {
    db->ExecOrThrow(
        "CREATE INDEX IF NOT EXISTS idx_api_tokens_revoked ON api_tokens(revoked, token)",
        "indexing api_tokens");
  }
  // The original emitted this DDL from its models (the tracking table at the
  // first migration); IF NOT EXISTS leaves the tables of a file it made.
  for (const auto& ddl : {storage_api::KvTableDdl(), storage_api::RegistryTableDdl(),
                          storage_api::TrackingTableDdl()}) {
    for (const std::string& statement : ddl) {
      db->ExecOrThrow(statement.c_str(), "creating the plugin storage tables");
    }
  }
}

void Seed(Database* db, int64_t now) {
  // The original seeded these rows only when the table was empty; the CHECK
  // (id = 1) makes INSERT OR IGNORE of id 1 the same test.
  Statement channel(db,
                    "INSERT OR IGNORE INTO channel_stats (id, max_users, last_updated) "
                    "VALUES (1, 0, ?1)",
                    false);
  Statement status(db, "INSERT OR IGNORE INTO current_status (id, last_updated) VALUES (1, ?1)",
                   false);
  Statement meta(db, "INSERT OR REPLACE INTO roseyd_meta (key, value) VALUES (?1, ?2)", false);
  const std::string now_text = std::to_string(now);
  channel.Bind(1, now);
  status.Bind(1, now);
  meta.Bind(1, kMetaLastOpen);
  meta.Bind(2, std::string_view(now_text));
  for (Statement* stmt : {&channel, &status, &meta}) {
    Statement::Scope scope(stmt);
    const Status s = stmt->Run();
    if (!s.ok()) Fail(db, "seeding the schema", s);
  }
}

}  // namespace

void CreateOrUpgradeSchema(Database* db, int64_t now) {
  // IMMEDIATE takes the write lock up front: a read-only or locked file fails
  // here, at startup, instead of on the first event.
  db->ExecOrThrow("BEGIN IMMEDIATE", "cannot start a write transaction");
  try {
    db->ExecOrThrow(kCreateSchema, "creating the schema");
    Upgrade(db, DetectLayout(db));
    Seed(db, now);
    db->ExecOrThrow("COMMIT", "committing the schema");
  } catch (...) {
    (void)db->Exec("ROLLBACK");
    throw;
  }
}

SchemaLayout DetectLayout(Database* db) {
  const std::vector<std::string> outbound = ColumnsOf(db, "outbound_messages");
  const std::vector<std::string> tokens = ColumnsOf(db, "api_tokens");
  SchemaLayout layout;
  layout.outbound_error_message =
      HasColumn(outbound, "error_message") && !HasColumn(outbound, "last_error");
  layout.tokens_is_active = HasColumn(tokens, "is_active") && !HasColumn(tokens, "revoked");
  return layout;
}

std::span<const std::string_view> TableNames() { return kTables; }

bool IsTableName(std::string_view name) {
  return std::find(kTables.begin(), kTables.end(), name) != kTables.end();
}

std::span<const std::string_view> StatusColumns() { return kStatusColumns; }

int StatusColumnIndex(std::string_view column) {
  const auto it = std::find(kStatusColumns.begin(), kStatusColumns.end(), column);
  return it == kStatusColumns.end() ? -1 : static_cast<int>(it - kStatusColumns.begin());
}

}  // namespace roseyd::store
