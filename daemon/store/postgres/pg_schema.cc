#include "store/postgres/pg_schema.h"

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/startup_error.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

// Rosey's models (common/models.py) as SQLAlchemy's create_all renders them
// for PostgreSQL: an autoincrementing integer key is SERIAL, the singleton
// tables' ids (with a Python-side default) plain INTEGER; server defaults
// are quoted literals. The column comments are left out.
constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS user_stats (
  username VARCHAR(50) NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  total_chat_lines INTEGER DEFAULT '0' NOT NULL,
  total_time_connected INTEGER DEFAULT '0' NOT NULL,
  current_session_start INTEGER,
  PRIMARY KEY (username),
  CONSTRAINT check_positive_lines CHECK (total_chat_lines >= 0),
  CONSTRAINT check_positive_time CHECK (total_time_connected >= 0));
CREATE INDEX IF NOT EXISTS ix_user_stats_last_seen ON user_stats (last_seen);
CREATE INDEX IF NOT EXISTS idx_last_seen ON user_stats (last_seen);
CREATE TABLE IF NOT EXISTS user_actions (
  id SERIAL NOT NULL,
  "timestamp" INTEGER NOT NULL,
  username VARCHAR(50) NOT NULL,
  action_type VARCHAR(50) NOT NULL,
  details TEXT,
  PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS ix_user_actions_timestamp ON user_actions ("timestamp");
CREATE INDEX IF NOT EXISTS idx_user_actions_username ON user_actions (username);
CREATE INDEX IF NOT EXISTS idx_user_actions_username_timestamp
  ON user_actions (username, "timestamp");
CREATE INDEX IF NOT EXISTS ix_user_actions_username ON user_actions (username);
CREATE INDEX IF NOT EXISTS idx_user_actions_timestamp ON user_actions ("timestamp");
CREATE TABLE IF NOT EXISTS channel_stats (
  id INTEGER NOT NULL,
  max_users INTEGER DEFAULT '0' NOT NULL,
  max_users_timestamp INTEGER,
  max_connected INTEGER,
  max_connected_timestamp INTEGER,
  last_updated INTEGER NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT check_singleton CHECK (id = 1),
  CONSTRAINT check_positive_users CHECK (max_users >= 0));
CREATE TABLE IF NOT EXISTS user_count_history (
  id SERIAL NOT NULL,
  "timestamp" INTEGER NOT NULL,
  chat_users INTEGER NOT NULL,
  connected_users INTEGER NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT check_positive_chat_users CHECK (chat_users >= 0),
  CONSTRAINT check_positive_connected CHECK (connected_users >= 0),
  CONSTRAINT check_connected_ge_chat CHECK (connected_users >= chat_users));
CREATE INDEX IF NOT EXISTS ix_user_count_history_timestamp ON user_count_history ("timestamp");
CREATE INDEX IF NOT EXISTS idx_user_count_timestamp ON user_count_history ("timestamp");
CREATE TABLE IF NOT EXISTS recent_chat (
  id SERIAL NOT NULL,
  "timestamp" INTEGER NOT NULL,
  username VARCHAR(50) NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS ix_recent_chat_timestamp ON recent_chat ("timestamp");
CREATE INDEX IF NOT EXISTS idx_recent_chat_timestamp ON recent_chat ("timestamp");
CREATE TABLE IF NOT EXISTS current_status (
  id INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  status VARCHAR(50) DEFAULT 'offline' NOT NULL,
  bot_name VARCHAR(50),
  bot_rank INTEGER,
  bot_afk BOOLEAN,
  channel_name VARCHAR(100),
  current_users INTEGER DEFAULT '0' NOT NULL,
  connected_users INTEGER DEFAULT '0' NOT NULL,
  current_chat_users INTEGER,
  current_connected_users INTEGER,
  playlist_items INTEGER,
  current_media_title TEXT,
  current_media_duration INTEGER,
  bot_start_time INTEGER,
  bot_connected BOOLEAN,
  PRIMARY KEY (id),
  CONSTRAINT check_singleton CHECK (id = 1),
  CONSTRAINT check_positive_current CHECK (current_users >= 0),
  CONSTRAINT check_positive_connected CHECK (connected_users >= 0));
CREATE TABLE IF NOT EXISTS outbound_messages (
  id SERIAL NOT NULL,
  "timestamp" INTEGER NOT NULL,
  sent_timestamp INTEGER,
  message TEXT NOT NULL,
  sent BOOLEAN DEFAULT '0' NOT NULL,
  retry_count INTEGER DEFAULT '0' NOT NULL,
  error_message TEXT,
  PRIMARY KEY (id),
  CONSTRAINT check_positive_retries CHECK (retry_count >= 0));
CREATE INDEX IF NOT EXISTS idx_outbound_sent ON outbound_messages (sent);
CREATE INDEX IF NOT EXISTS idx_outbound_timestamp ON outbound_messages ("timestamp");
CREATE INDEX IF NOT EXISTS ix_outbound_messages_timestamp ON outbound_messages ("timestamp");
CREATE INDEX IF NOT EXISTS ix_outbound_messages_sent ON outbound_messages (sent);
CREATE INDEX IF NOT EXISTS idx_outbound_sent_timestamp ON outbound_messages (sent, "timestamp");
CREATE TABLE IF NOT EXISTS api_tokens (
  id SERIAL NOT NULL,
  token VARCHAR(255) NOT NULL,
  name VARCHAR(100),
  description TEXT,
  permissions TEXT,
  created_at INTEGER NOT NULL,
  last_used INTEGER,
  is_active BOOLEAN DEFAULT '1' NOT NULL,
  PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS idx_is_active ON api_tokens (is_active);
CREATE INDEX IF NOT EXISTS idx_token ON api_tokens (token);
CREATE UNIQUE INDEX IF NOT EXISTS ix_api_tokens_token ON api_tokens (token);
CREATE INDEX IF NOT EXISTS idx_active_tokens ON api_tokens (is_active, token);
CREATE INDEX IF NOT EXISTS ix_api_tokens_is_active ON api_tokens (is_active);
CREATE TABLE IF NOT EXISTS roseyd_meta (key TEXT PRIMARY KEY, value TEXT);
)sql";

// The plugin storage API's tables (ROSEY_STORAGE_API.md, storage_api's
// KvTableDdl, RegistryTableDdl, TrackingTableDdl) rendered for PostgreSQL.
// Where a type would change what a reply says, SQLite's stored value is
// kept instead: Unix times are BIGINT (a TTL may reach far), and applied_at
// is TEXT, the service's own "YYYY-MM-DD HH:MM:SS.ffffff" returned as
// written (a TIMESTAMP would drop trailing zeros of the fraction).
constexpr const char* kCreatePluginSchema = R"sql(
CREATE TABLE IF NOT EXISTS plugin_kv_storage (
  plugin_name VARCHAR(100) NOT NULL,
  "key" VARCHAR(255) NOT NULL,
  value_json TEXT NOT NULL,
  expires_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (plugin_name, "key"));
CREATE INDEX IF NOT EXISTS idx_plugin_kv_expires ON plugin_kv_storage (expires_at);
CREATE INDEX IF NOT EXISTS idx_plugin_kv_prefix ON plugin_kv_storage (plugin_name, "key");
CREATE TABLE IF NOT EXISTS plugin_table_schemas (
  id SERIAL NOT NULL,
  plugin_name VARCHAR(100) NOT NULL,
  table_name VARCHAR(100) NOT NULL,
  schema_json TEXT NOT NULL,
  version INTEGER DEFAULT '1' NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (id));
CREATE UNIQUE INDEX IF NOT EXISTS idx_plugin_table_unique
  ON plugin_table_schemas (plugin_name, table_name);
CREATE INDEX IF NOT EXISTS idx_plugin_name ON plugin_table_schemas (plugin_name);
CREATE INDEX IF NOT EXISTS ix_plugin_table_schemas_plugin_name
  ON plugin_table_schemas (plugin_name);
CREATE TABLE IF NOT EXISTS plugin_schema_migrations (
  id SERIAL PRIMARY KEY,
  plugin_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  applied_by TEXT NOT NULL,
  status TEXT NOT NULL,
  error_message TEXT,
  execution_time_ms BIGINT,
  UNIQUE (plugin_name, version));
CREATE INDEX IF NOT EXISTS idx_plugin_migrations_status
  ON plugin_schema_migrations (plugin_name, status);
)sql";

// Taken by every roseyd while it creates the schema ("roseyd.s" in ASCII).
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(7309475005232918131)";

// The columns the protocol reads or writes, by table; "" for any type.
struct Column {
  const char* name;
  const char* type;
};
const std::map<std::string_view, std::vector<Column>>& RequiredColumns() {
  static const std::map<std::string_view, std::vector<Column>> columns = {
      {"user_stats",
       {{"username", ""}, {"first_seen", ""}, {"last_seen", ""}, {"total_chat_lines", ""},
        {"total_time_connected", ""}, {"current_session_start", ""}}},
      {"user_actions", {{"timestamp", ""}, {"username", ""}, {"action_type", ""}, {"details", ""}}},
      {"channel_stats",
       {{"id", ""}, {"max_users", ""}, {"max_users_timestamp", ""}, {"max_connected", ""},
        {"max_connected_timestamp", ""}, {"last_updated", ""}}},
      {"user_count_history", {{"timestamp", ""}, {"chat_users", ""}, {"connected_users", ""}}},
      {"recent_chat", {{"id", ""}, {"timestamp", ""}, {"username", ""}, {"message", ""}}},
      {"current_status",
       {{"id", ""}, {"last_updated", ""}, {"status", ""}, {"current_users", ""},
        {"connected_users", ""}, {"bot_name", ""}, {"bot_rank", ""}, {"bot_afk", ""},
        {"channel_name", ""}, {"current_chat_users", ""}, {"current_connected_users", ""},
        {"playlist_items", ""}, {"current_media_title", ""}, {"current_media_duration", ""},
        {"bot_start_time", ""}, {"bot_connected", ""}}},
      {"outbound_messages",
       {{"id", ""}, {"timestamp", ""}, {"message", ""}, {"sent", "boolean"},
        {"sent_timestamp", ""}, {"retry_count", ""}, {"error_message", ""}}},
      {"api_tokens", {{"created_at", ""}, {"is_active", "boolean"}}},
  };
  return columns;
}

[[noreturn]] void Fail(PgConnection* conn, const std::string& what, const Status& why) {
  throw StartupError("store", conn->redacted_url() + ": " + what + ": " + why.message());
}

// Checks the tables that exist already; those missing are created after.
void CheckExistingTables(PgConnection* conn) {
  PgResult result;
  PgParams none;
  const Status s = conn->ExecParams(
      "SELECT table_name, column_name, data_type FROM information_schema.columns"
      " WHERE table_schema = current_schema()",
      none, &result);
  if (!s.ok()) Fail(conn, "reading the columns of the existing tables", s);
  std::map<std::string, std::map<std::string, std::string>> existing;  // table -> column -> type
  for (int row = 0; row < result.rows(); ++row) {
    existing[std::string(result.Text(row, 0))][std::string(result.Text(row, 1))] =
        std::string(result.Text(row, 2));
  }
  std::string problems;
  for (const auto& [table, columns] : RequiredColumns()) {
    const auto found = existing.find(std::string(table));
    if (found == existing.end()) continue;
    for (const Column& column : columns) {
      const auto it = found->second.find(column.name);
      if (it == found->second.end()) {
        problems += std::string(problems.empty() ? "" : ", ") + std::string(table) + "." +
                    column.name + " is missing";
      } else if (*column.type != '\0' && it->second != column.type) {
        problems += std::string(problems.empty() ? "" : ", ") + std::string(table) + "." +
                    column.name + " is " + it->second + ", not " + column.type;
      }
    }
  }
  if (!problems.empty()) {
    throw StartupError("store", conn->redacted_url() +
                                    ": the tables are not those of Rosey's models "
                                    "(common/models.py): " +
                                    problems);
  }
}

void Seed(PgConnection* conn, int64_t now) {
  // Explicit values for every NOT NULL column: a database made by Rosey's
  // migrations may lack the server defaults.
  PgParams params;
  params.Add(now);
  for (const char* sql :
       {"INSERT INTO channel_stats (id, max_users, last_updated) VALUES (1, 0, $1)"
        " ON CONFLICT (id) DO NOTHING",
        "INSERT INTO current_status (id, last_updated, status, current_users, connected_users)"
        " VALUES (1, $1, 'offline', 0, 0) ON CONFLICT (id) DO NOTHING"}) {
    if (const Status s = conn->ExecParams(sql, params, nullptr); !s.ok()) {
      Fail(conn, "seeding the schema", s);
    }
  }
  const std::string now_text = std::to_string(now);
  const std::string key(kMetaLastOpen);
  params.Clear();
  params.Add(key);
  params.Add(now_text);
  const Status s = conn->ExecParams(
      "INSERT INTO roseyd_meta (key, value) VALUES ($1, $2)"
      " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      params, nullptr);
  if (!s.ok()) Fail(conn, "recording the open", s);
}

}  // namespace

void CreatePgSchema(PgConnection* conn, int64_t now) {
  if (const Status s = conn->Exec("BEGIN"); !s.ok()) Fail(conn, "starting a transaction", s);
  try {
    if (const Status s = conn->Exec(kSchemaLock); !s.ok()) Fail(conn, "locking the schema", s);
    CheckExistingTables(conn);
    if (const Status s = conn->Exec(kCreateSchema); !s.ok()) Fail(conn, "creating the schema", s);
    if (const Status s = conn->Exec(kCreatePluginSchema); !s.ok()) {
      Fail(conn, "creating the plugin storage tables", s);
    }
    Seed(conn, now);
    if (const Status s = conn->Exec("COMMIT"); !s.ok()) Fail(conn, "committing the schema", s);
  } catch (...) {
    (void)conn->Exec("ROLLBACK");
    throw;
  }
}

}  // namespace roseyd::store
