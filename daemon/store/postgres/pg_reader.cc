#include "store/postgres/pg_reader.h"

#include <algorithm>
#include <array>

#include "base/startup_error.h"
#include "store/plugin_reads.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

struct NamedSql {
  const char* name;
  const char* sql;
};

// A shift past 57 overflowed SQLite's integers into reals far beyond any
// "now": never due. Computed here in bigint, guarded instead.
constexpr std::array<NamedSql, 7> kQueries = {{
    {"outbound",
     "SELECT id, \"timestamp\", message, retry_count, error_message FROM outbound_messages"
     " WHERE NOT sent AND retry_count < $1"
     " AND (retry_count = 0 OR (retry_count <= 57"
     " AND \"timestamp\" + (1::bigint << retry_count) * 60 <= $2::bigint))"
     " ORDER BY \"timestamp\" ASC, id ASC LIMIT $3"},
    // Same-second rows keep their insertion order through the id.
    {"recent_chat",
     "SELECT \"timestamp\", username, message FROM recent_chat"
     " ORDER BY \"timestamp\" DESC, id DESC LIMIT $1"},
    {"recent_messages",
     "SELECT id, \"timestamp\", username, message FROM recent_chat"
     " ORDER BY \"timestamp\" DESC, id DESC LIMIT $1 OFFSET $2"},
    {"channel_stats",
     "SELECT COALESCE(max_users, 0), max_users_timestamp, COALESCE(max_connected, 0),"
     " max_connected_timestamp FROM channel_stats WHERE id = 1"},
    {"top_chatters",
     "SELECT username, total_chat_lines FROM user_stats WHERE total_chat_lines > 0"
     " ORDER BY total_chat_lines DESC, username COLLATE \"C\" ASC LIMIT 10"},
    {"users_seen", "SELECT COUNT(*) FROM user_stats"},
    {"user_stats",
     "SELECT username, first_seen, last_seen, total_chat_lines, total_time_connected,"
     " current_session_start FROM user_stats WHERE username = $1"},
}};

}  // namespace

PostgresReader::PostgresReader(const std::string& url) : conn_(url), session_(&conn_) {
  if (const Status s = Connect(); !s.ok()) throw StartupError("store", s.message());
}

Status PostgresReader::Connect() {
  if (Status s = conn_.Connect(); !s.ok()) return s;
  for (const NamedSql& query : kQueries) {
    if (Status s = conn_.Prepare(query.name, query.sql); !s.ok()) {
      conn_.Close();
      return s;
    }
  }
  return Status::OK();
}

Status PostgresReader::Query(const char* name, PgResult* out) {
  if (!conn_.connected()) {
    if (Status s = Connect(); !s.ok()) return s;
  }
  Status s = conn_.ExecPrepared(name, params_, out);
  if (s.ok() || conn_.connected()) return s;
  if (Status c = Connect(); !c.ok()) return s;
  return conn_.ExecPrepared(name, params_, out);
}

Status PostgresReader::OutboundPending(int limit, int max_retries, int64_t now,
                                       std::vector<OutboundRow>* out) {
  out->clear();
  params_.Clear();
  params_.Add(max_retries);
  params_.Add(now);
  params_.Add(limit);
  PgResult rows;
  if (Status s = Query("outbound", &rows); !s.ok()) return s;
  for (int r = 0; r < rows.rows(); ++r) {
    out->push_back(OutboundRow{rows.Int64(r, 0), rows.Int64(r, 1), std::string(rows.Text(r, 2)),
                               rows.Int64(r, 3), rows.OptionalText(r, 4)});
  }
  return Status::OK();
}

Status PostgresReader::RecentChat(int limit, std::vector<ChatRow>* out) {
  out->clear();
  params_.Clear();
  params_.Add(limit);
  PgResult rows;
  if (Status s = Query("recent_chat", &rows); !s.ok()) return s;
  for (int r = rows.rows() - 1; r >= 0; --r) {  // newest rows, oldest first
    out->push_back(
        ChatRow{rows.Int64(r, 0), std::string(rows.Text(r, 1)), std::string(rows.Text(r, 2))});
  }
  return Status::OK();
}

Status PostgresReader::RecentMessages(int limit, int offset, std::vector<RecentMessageRow>* out) {
  out->clear();
  params_.Clear();
  params_.Add(limit);
  params_.Add(offset);
  PgResult rows;
  if (Status s = Query("recent_messages", &rows); !s.ok()) return s;
  for (int r = 0; r < rows.rows(); ++r) {
    out->push_back(RecentMessageRow{rows.Int64(r, 0), rows.Int64(r, 1),
                                    std::string(rows.Text(r, 2)), std::string(rows.Text(r, 3))});
  }
  return Status::OK();
}

Status PostgresReader::GetChannelStats(ChannelStats* out) {
  // One snapshot for the three queries.
  params_.Clear();
  if (!conn_.connected()) {
    if (Status s = Connect(); !s.ok()) return s;
  }
  Status s = conn_.ExecParams("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", params_, nullptr);
  if (!s.ok() && !conn_.connected()) {
    if (Status c = Connect(); !c.ok()) return s;
    s = conn_.ExecParams("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", params_, nullptr);
  }
  if (!s.ok()) return s;
  s = ReadChannelStats(out);
  params_.Clear();
  const Status ended = conn_.ExecParams(s.ok() ? "COMMIT" : "ROLLBACK", params_, nullptr);
  return s.ok() ? ended : s;
}

Status PostgresReader::ReadChannelStats(ChannelStats* out) {
  *out = ChannelStats{};
  PgResult rows;
  // Inside a transaction, a lost connection cannot be retried alone.
  if (Status s = conn_.ExecPrepared("channel_stats", params_, &rows); !s.ok()) return s;
  if (rows.rows() > 0) {
    out->max_users = rows.Int64(0, 0);
    out->max_users_timestamp = rows.OptionalInt64(0, 1);
    out->max_connected = rows.Int64(0, 2);
    out->max_connected_timestamp = rows.OptionalInt64(0, 3);
  }
  if (Status s = conn_.ExecPrepared("top_chatters", params_, &rows); !s.ok()) return s;
  for (int r = 0; r < rows.rows(); ++r) {
    out->top_chatters.push_back(TopChatter{std::string(rows.Text(r, 0)), rows.Int64(r, 1)});
  }
  if (Status s = conn_.ExecPrepared("users_seen", params_, &rows); !s.ok()) return s;
  if (rows.rows() > 0) out->total_users_seen = rows.Int64(0, 0);
  return Status::OK();
}

Status PostgresReader::GetUserStats(std::string_view username, std::optional<UserStatsRow>* out) {
  out->reset();
  // A NUL cannot be in any stored name, and libpq would cut the text there.
  if (username.find('\0') != std::string_view::npos) return Status::OK();
  text_.assign(username);
  params_.Clear();
  params_.Add(text_);
  PgResult rows;
  if (Status s = Query("user_stats", &rows); !s.ok()) return s;
  if (rows.rows() > 0) {
    *out = UserStatsRow{std::string(rows.Text(0, 0)), rows.Int64(0, 1),       rows.Int64(0, 2),
                        rows.Int64(0, 3),              rows.Int64(0, 4), rows.OptionalInt64(0, 5)};
  }
  return Status::OK();
}

Status PostgresReader::CountRows(std::string_view table, int64_t* out) {
  if (!IsTableName(table)) {
    return Status::InvalidArgument("unknown table '" + std::string(table) + "'");
  }
  *out = 0;
  // The name is one of the schema's own constants, never caller input.
  const std::string sql = "SELECT COUNT(*) FROM " + std::string(table);
  params_.Clear();
  if (!conn_.connected()) {
    if (Status s = Connect(); !s.ok()) return s;
  }
  PgResult rows;
  if (Status s = conn_.ExecParams(sql.c_str(), params_, &rows); !s.ok()) return s;
  if (rows.rows() > 0) *out = rows.Int64(0, 0);
  return Status::OK();
}

Status PostgresReader::StreamPosition(std::string_view stream, uint64_t* out) {
  *out = 0;
  const std::string key = StreamSeqKey(stream);  // PgParams keeps a view of it
  params_.Clear();
  params_.Add(key);
  if (!conn_.connected()) {
    if (Status s = Connect(); !s.ok()) return s;
  }
  PgResult rows;
  if (Status s = conn_.ExecParams("SELECT value FROM roseyd_meta WHERE key = $1", params_, &rows);
      !s.ok()) {
    return s;
  }
  if (rows.rows() > 0) *out = static_cast<uint64_t>(rows.Int64(0, 0));
  return Status::OK();
}

Status PostgresReader::PluginRead(const std::function<Status()>& read) {
  if (!conn_.connected()) {
    if (Status s = Connect(); !s.ok()) return s;
  }
  Status s = read();
  if (s.ok() || conn_.connected()) return s;
  if (Status c = Connect(); !c.ok()) return s;
  return read();
}

Status PostgresReader::KvGet(const storage_api::KvKey& key, int64_t now,
                             std::optional<std::string>* value_json) {
  return PluginRead([&] { return ReadKvValue(&session_, key, now, value_json); });
}

Status PostgresReader::KvList(const storage_api::KvList& list, int64_t now,
                              std::vector<std::string>* keys) {
  return PluginRead([&] { return ReadKvKeys(&session_, list, now, keys); });
}

Status PostgresReader::RowSelect(const storage_api::RowSelect& select,
                                 std::optional<storage_api::RowCells>* row) {
  return PluginRead([&] { return ReadRow(&session_, select, row); });
}

Status PostgresReader::RowSearch(const storage_api::RowSearch& search,
                                 std::vector<storage_api::RowCells>* rows) {
  return PluginRead([&] { return ReadRows(&session_, search, rows); });
}

Status PostgresReader::Migrations(std::string_view plugin, int64_t* current_version,
                                  std::vector<storage_api::TrackingRow>* rows) {
  return PluginRead([&] { return ReadMigrations(&session_, plugin, current_version, rows); });
}

Status PostgresReader::LoadSchemas(storage_api::SchemaCatalog* catalog,
                                   storage_api::CatalogLoad* load) {
  return PluginRead([&] { return LoadRegisteredSchemas(&session_, catalog, load); });
}

}  // namespace roseyd::store
