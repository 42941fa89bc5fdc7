#include "store/sqlite/event_statements.h"

#include <array>
#include <string>
#include <utility>
#include <variant>

#include "store/sqlite/chat_lines.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

// Caches one UPDATE per column set; a bot sends the same set every time.
constexpr size_t kMaxStatusStatements = 64;

}  // namespace

EventStatements::EventStatements(Database* db, const SchemaLayout& layout)
    : db_(db),
      user_joined_(db,
                   "INSERT INTO user_stats (username, first_seen, last_seen, current_session_start)"
                   " VALUES (?1, ?2, ?2, ?2) ON CONFLICT (username) DO UPDATE SET"
                   " last_seen = excluded.last_seen,"
                   " current_session_start = excluded.current_session_start",
                   true),
      // The original tested the start for truth, so a 0 start is no session.
      user_left_(db,
                 "UPDATE user_stats SET last_seen = ?1,"
                 " total_time_connected = total_time_connected + (?1 - current_session_start),"
                 " current_session_start = NULL"
                 " WHERE username = ?2 AND current_session_start IS NOT NULL"
                 " AND current_session_start <> 0",
                 true),
      chat_stats_(db,
                  "UPDATE user_stats SET total_chat_lines = total_chat_lines + 1, last_seen = ?1"
                  " WHERE username = ?2",
                  true),
      chat_insert_(db, "INSERT INTO recent_chat (timestamp, username, message) VALUES (?1, ?2, ?3)",
                   true),
      user_count_(db,
                  "INSERT INTO user_count_history (timestamp, chat_users, connected_users)"
                  " VALUES (?1, ?2, ?3)",
                  true),
      high_water_users_(db,
                        "UPDATE channel_stats SET max_users = ?1, max_users_timestamp = ?2,"
                        " last_updated = ?2 WHERE id = 1 AND ?1 > IFNULL(max_users, 0)",
                        true),
      high_water_connected_(db,
                            "UPDATE channel_stats SET max_connected = ?1,"
                            " max_connected_timestamp = ?2, last_updated = ?2"
                            " WHERE id = 1 AND ?1 > IFNULL(max_connected, 0)",
                            true),
      mark_sent_(db, "UPDATE outbound_messages SET sent = 1, sent_timestamp = ?1 WHERE id = ?2",
                 true),
      // The column name is one of the layout's two constants.
      mark_failed_permanent_(db,
                             "UPDATE outbound_messages SET sent = 1, sent_timestamp = ?1,"
                             " retry_count = retry_count + 1, " +
                                 std::string(layout.OutboundErrorColumn()) + " = ?2 WHERE id = ?3",
                             true),
      mark_failed_transient_(db,
                             "UPDATE outbound_messages SET retry_count = retry_count + 1, " +
                                 std::string(layout.OutboundErrorColumn()) + " = ?1 WHERE id = ?2",
                             true),
      user_action_(db,
                   "INSERT INTO user_actions (timestamp, username, action_type, details)"
                   " VALUES (?1, ?2, ?3, ?4)",
                   true) {}

Status EventStatements::Apply(const Event& event, bool* partial) {
  return std::visit([&](const auto& w) { return Apply(w, event.unix_time, partial); }, event.write);
}

Status EventStatements::Apply(const UserJoined& w, int64_t now, bool*) {
  return RunWith(&user_joined_, w.username, now);
}

Status EventStatements::Apply(const UserLeft& w, int64_t now, bool*) {
  return RunWith(&user_left_, now, w.username);
}

Status EventStatements::Apply(const ChatMessage& w, int64_t now, bool* partial) {
  if (Status s = RunWith(&chat_stats_, now, w.username); !s.ok()) return s;
  if (!WantsChatRow(w)) return Status::OK();
  *partial = db_->Changes() > 0;
  return RunWith(&chat_insert_, now, w.username, w.message);
}

Status EventStatements::Apply(const UserCount& w, int64_t now, bool*) {
  return RunWith(&user_count_, now, w.chat_count, w.connected_count);
}

Status EventStatements::Apply(const HighWater& w, int64_t now, bool* partial) {
  if (Status s = RunWith(&high_water_users_, w.chat_count, now); !s.ok()) return s;
  // The original skipped a null or zero connected count.
  if (!w.connected_count || *w.connected_count == 0) return Status::OK();
  *partial = db_->Changes() > 0;
  return RunWith(&high_water_connected_, *w.connected_count, now);
}

Status EventStatements::Apply(const StatusUpdate& w, int64_t now, bool*) {
  std::array<const StatusValue*, kStatusColumnCount> values{};
  uint32_t columns = 0;
  for (const auto& [column, value] : w.fields) {
    // The service whitelisted these already; a name reaches the SQL text
    // only if it is one of the schema's own column names.
    const int index = StatusColumnIndex(column);
    if (index < 0) {
      return Status::InvalidArgument("status column '" + column + "' is not whitelisted");
    }
    columns |= 1u << index;
    values[static_cast<size_t>(index)] = &value;  // a repeated column: the last wins
  }
  if (columns == 0) return Status::OK();  // the original did nothing either
  Status prepared;
  Statement* stmt = StatusStatement(columns, &prepared);
  if (stmt == nullptr) return prepared;
  Statement::Scope scope(stmt);
  int param = 0;
  for (const StatusValue* value : values) {
    if (value != nullptr) stmt->Bind(++param, *value);
  }
  stmt->Bind(++param, now);
  return stmt->Run();
}

Statement* EventStatements::StatusStatement(uint32_t columns, Status* error) {
  auto it = status_stmts_.find(columns);
  if (it == status_stmts_.end()) {
    if (status_stmts_.size() >= kMaxStatusStatements) status_stmts_.clear();
    std::string sql = "UPDATE current_status SET ";
    const auto names = StatusColumns();
    for (size_t i = 0; i < names.size(); ++i) {
      if (columns & (1u << i)) (sql += names[i]) += " = ?, ";
    }
    sql += "last_updated = ? WHERE id = 1";
    Statement stmt;
    if (*error = stmt.Prepare(db_, sql, true); !error->ok()) return nullptr;
    it = status_stmts_.emplace(columns, std::move(stmt)).first;
  }
  return &it->second;
}

Status EventStatements::Apply(const MarkSent& w, int64_t now, bool*) {
  return RunWith(&mark_sent_, now, w.message_id);
}

Status EventStatements::Apply(const MarkFailed& w, int64_t now, bool*) {
  if (w.is_permanent) {  // marked sent so that it is never retried
    return RunWith(&mark_failed_permanent_, now, w.error, w.message_id);
  }
  return RunWith(&mark_failed_transient_, w.error, w.message_id);
}

Status EventStatements::Apply(const UserAction& w, int64_t now, bool*) {
  return RunWith(&user_action_, w.timestamp.value_or(now), w.username, w.action_type, w.details);
}

Status EventStatements::Apply(const LogChat& w, int64_t now, bool*) {
  return RunWith(&chat_insert_, w.timestamp.value_or(now), w.username, w.message);
}

Status EventStatements::Apply(const std::shared_ptr<PluginWrite>&, int64_t, bool*) {
  return Status::Internal("a plugin write reached the event statements");
}

}  // namespace roseyd::store
