#include "store/sqlite/sqlite_reader.h"

#include <algorithm>

#include "store/plugin_reads.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

// Preparing reads the schema, which can meet a lock: the busy timeout must be
// set before the first statement, i.e. inside the member initializers.
Database* WithBusyTimeout(Database* db, std::chrono::milliseconds busy_timeout) {
  db->SetBusyTimeout(static_cast<int>(busy_timeout.count()));
  return db;
}

// Steps `stmt` (already bound) through its rows, calling row() for each.
template <typename Row>
Status ForEachRow(Statement* stmt, Row row) {
  Statement::Scope scope(stmt);
  for (bool has_row = true;;) {
    if (Status s = stmt->Step(&has_row); !s.ok()) return s;
    if (!has_row) return Status::OK();
    row(*stmt);
  }
}

}  // namespace

SqliteReader::SqliteReader(const std::string& path, std::chrono::milliseconds busy_timeout)
    : db_(path, Database::Mode::kReadOnly),
      layout_(DetectLayout(WithBusyTimeout(&db_, busy_timeout))),
      // The error column is one of the layout's two constants.
      outbound_(&db_,
                "SELECT id, timestamp, message, retry_count, " +
                    std::string(layout_.OutboundErrorColumn()) +
                    " FROM outbound_messages"
                    " WHERE sent = 0 AND retry_count < ?1"
                " AND (retry_count = 0 OR timestamp + (1 << retry_count) * 60 <= ?2)"
                " ORDER BY timestamp ASC, id ASC LIMIT ?3",
                true),
      // Same-second rows keep their insertion order through the id.
      recent_chat_(&db_,
                   "SELECT timestamp, username, message FROM recent_chat"
                   " ORDER BY timestamp DESC, id DESC LIMIT ?1",
                   true),
      recent_messages_(&db_,
                       "SELECT id, timestamp, username, message FROM recent_chat"
                       " ORDER BY timestamp DESC, id DESC LIMIT ?1 OFFSET ?2",
                       true),
      channel_stats_(&db_,
                     "SELECT max_users, max_users_timestamp, max_connected,"
                     " max_connected_timestamp FROM channel_stats WHERE id = 1",
                     true),
      top_chatters_(&db_,
                    "SELECT username, total_chat_lines FROM user_stats"
                    " WHERE total_chat_lines > 0"
                    " ORDER BY total_chat_lines DESC, username ASC LIMIT 10",
                    true),
      users_seen_(&db_, "SELECT COUNT(*) FROM user_stats", true),
      user_stats_(&db_,
                  "SELECT username, first_seen, last_seen, total_chat_lines,"
                  " total_time_connected, current_session_start"
                  " FROM user_stats WHERE username = ?1",
                  true),
      begin_(&db_, "BEGIN", true),
      commit_(&db_, "COMMIT", true),
      session_(&db_) {
  for (const std::string_view table : TableNames()) {
    // The name is one of the schema's own constants, never caller input.
    counts_.emplace_back(&db_, "SELECT COUNT(*) FROM " + std::string(table), false);
  }
}

SqliteReader::~SqliteReader() = default;

Status SqliteReader::OutboundPending(int limit, int max_retries, int64_t now,
                                     std::vector<OutboundRow>* out) {
  out->clear();
  outbound_.Bind(1, max_retries);
  outbound_.Bind(2, now);
  outbound_.Bind(3, limit);
  return ForEachRow(&outbound_, [out](const Statement& row) {
    out->push_back(OutboundRow{row.ColumnInt64(0), row.ColumnInt64(1), row.ColumnText(2),
                               row.ColumnInt64(3), row.ColumnOptionalText(4)});
  });
}

Status SqliteReader::RecentChat(int limit, std::vector<ChatRow>* out) {
  out->clear();
  recent_chat_.Bind(1, limit);
  Status s = ForEachRow(&recent_chat_, [out](const Statement& row) {
    out->push_back(ChatRow{row.ColumnInt64(0), row.ColumnText(1), row.ColumnText(2)});
  });
  std::reverse(out->begin(), out->end());  // newest rows, oldest first
  return s;
}

Status SqliteReader::RecentMessages(int limit, int offset, std::vector<RecentMessageRow>* out) {
  out->clear();
  recent_messages_.Bind(1, limit);
  recent_messages_.Bind(2, offset);
  return ForEachRow(&recent_messages_, [out](const Statement& row) {
    out->push_back(RecentMessageRow{row.ColumnInt64(0), row.ColumnInt64(1), row.ColumnText(2),
                                    row.ColumnText(3)});
  });
}

Status SqliteReader::GetChannelStats(ChannelStats* out) {
  // One read transaction: the three queries see the same snapshot.
  if (Status s = begin_.Run(); !s.ok()) {
    begin_.Reset();
    return s;
  }
  begin_.Reset();
  const Status s = ReadChannelStats(out);
  const Status c = commit_.Run();
  commit_.Reset();
  return s.ok() ? c : s;
}

Status SqliteReader::ReadChannelStats(ChannelStats* out) {
  *out = ChannelStats{};
  Status s = ForEachRow(&channel_stats_, [out](const Statement& row) {
    out->max_users = row.ColumnInt64(0);
    out->max_users_timestamp = row.ColumnOptionalInt64(1);
    out->max_connected = row.ColumnInt64(2);
    out->max_connected_timestamp = row.ColumnOptionalInt64(3);
  });
  if (!s.ok()) return s;
  s = ForEachRow(&top_chatters_, [out](const Statement& row) {
    out->top_chatters.push_back(TopChatter{row.ColumnText(0), row.ColumnInt64(1)});
  });
  if (!s.ok()) return s;
  return ForEachRow(&users_seen_,
                    [out](const Statement& row) { out->total_users_seen = row.ColumnInt64(0); });
}

Status SqliteReader::GetUserStats(std::string_view username, std::optional<UserStatsRow>* out) {
  out->reset();
  user_stats_.Bind(1, username);
  return ForEachRow(&user_stats_, [out](const Statement& row) {
    *out = UserStatsRow{row.ColumnText(0),  row.ColumnInt64(1), row.ColumnInt64(2),
                        row.ColumnInt64(3), row.ColumnInt64(4), row.ColumnOptionalInt64(5)};
  });
}

Status SqliteReader::CountRows(std::string_view table, int64_t* out) {
  const auto tables = TableNames();
  const auto it = std::find(tables.begin(), tables.end(), table);
  if (it == tables.end()) {
    return Status::InvalidArgument("unknown table '" + std::string(table) + "'");
  }
  *out = 0;
  return ForEachRow(&counts_[static_cast<size_t>(it - tables.begin())],
                    [out](const Statement& row) { *out = row.ColumnInt64(0); });
}

Status SqliteReader::KvGet(const storage_api::KvKey& key, int64_t now,
                           std::optional<std::string>* value_json) {
  return ReadKvValue(&session_, key, now, value_json);
}

Status SqliteReader::KvList(const storage_api::KvList& list, int64_t now,
                            std::vector<std::string>* keys) {
  return ReadKvKeys(&session_, list, now, keys);
}

Status SqliteReader::RowSelect(const storage_api::RowSelect& select,
                               std::optional<storage_api::RowCells>* row) {
  return ReadRow(&session_, select, row);
}

Status SqliteReader::RowSearch(const storage_api::RowSearch& search,
                               std::vector<storage_api::RowCells>* rows) {
  return ReadRows(&session_, search, rows);
}

// One read transaction: the current version and the rows agree.
Status SqliteReader::Migrations(std::string_view plugin, int64_t* current_version,
                                std::vector<storage_api::TrackingRow>* rows) {
  if (Status s = RunWith(&begin_); !s.ok()) return s;
  const Status s = ReadMigrations(&session_, plugin, current_version, rows);
  const Status c = RunWith(&commit_);
  return s.ok() ? c : s;
}

Status SqliteReader::LoadSchemas(storage_api::SchemaCatalog* catalog,
                                 storage_api::CatalogLoad* load) {
  return LoadRegisteredSchemas(&session_, catalog, load);
}

}  // namespace roseyd::store
