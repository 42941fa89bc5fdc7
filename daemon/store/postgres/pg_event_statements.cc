#include "store/postgres/pg_event_statements.h"

#include <array>
#include <utility>
#include <variant>

#include "storage_api/kv.h"
#include "store/plugin_write.h"
#include "store/sqlite/chat_lines.h"
#include "store/sqlite/schema.h"

namespace roseyd::store {
namespace {

bool Nul(const std::string& text) { return text.find('\0') != std::string::npos; }

// Names and SQL of the prepared statements. Ids are compared as bigint, so
// that an id beyond INTEGER matches nothing, as in SQLite, instead of failing.
struct NamedSql {
  const char* name;
  const char* sql;
};
constexpr std::array<NamedSql, 11> kStatements = {{
    {"user_joined",
     "INSERT INTO user_stats (username, first_seen, last_seen, current_session_start,"
     " total_chat_lines, total_time_connected) VALUES ($1, $2, $2, $2, 0, 0)"
     " ON CONFLICT (username) DO UPDATE SET last_seen = EXCLUDED.last_seen,"
     " current_session_start = EXCLUDED.current_session_start"},
    // The original tested the start for truth, so a 0 start is no session.
    // A clock that went back yields no negative time: the CHECK
    // (total_time_connected >= 0) would refuse the leave and keep the
    // session open for ever.
    {"user_left",
     "UPDATE user_stats SET last_seen = $1,"
     " total_time_connected = total_time_connected + GREATEST($1 - current_session_start, 0),"
     " current_session_start = NULL"
     " WHERE username = $2 AND current_session_start IS NOT NULL AND current_session_start <> 0"},
    {"chat_stats",
     "UPDATE user_stats SET total_chat_lines = total_chat_lines + 1, last_seen = $1"
     " WHERE username = $2"},
    {"chat_insert",
     "INSERT INTO recent_chat (\"timestamp\", username, message) VALUES ($1, $2, $3)"},
    {"user_count",
     "INSERT INTO user_count_history (\"timestamp\", chat_users, connected_users)"
     " VALUES ($1, $2, $3)"},
    {"high_water_users",
     "UPDATE channel_stats SET max_users = $1, max_users_timestamp = $2, last_updated = $2"
     " WHERE id = 1 AND $1 > COALESCE(max_users, 0)"},
    {"high_water_connected",
     "UPDATE channel_stats SET max_connected = $1, max_connected_timestamp = $2,"
     " last_updated = $2 WHERE id = 1 AND $1 > COALESCE(max_connected, 0)"},
    {"mark_sent",
     "UPDATE outbound_messages SET sent = true, sent_timestamp = $1 WHERE id = $2::bigint"},
    {"mark_failed_permanent",
     "UPDATE outbound_messages SET sent = true, sent_timestamp = $1,"
     " retry_count = retry_count + 1, error_message = $2 WHERE id = $3::bigint"},
    {"mark_failed_transient",
     "UPDATE outbound_messages SET retry_count = retry_count + 1, error_message = $1"
     " WHERE id = $2::bigint"},
    {"user_action",
     "INSERT INTO user_actions (\"timestamp\", username, action_type, details)"
     " VALUES ($1, $2, $3, $4)"},
}};

}  // namespace

bool HoldsNul(const Event& event) {
  return std::visit(
      [](const auto& w) {
        using T = std::decay_t<decltype(w)>;
        if constexpr (std::is_same_v<T, UserJoined> || std::is_same_v<T, UserLeft>) {
          return Nul(w.username);
        } else if constexpr (std::is_same_v<T, ChatMessage> || std::is_same_v<T, LogChat>) {
          return Nul(w.username) || Nul(w.message);
        } else if constexpr (std::is_same_v<T, MarkFailed>) {
          return Nul(w.error);
        } else if constexpr (std::is_same_v<T, UserAction>) {
          return Nul(w.username) || Nul(w.action_type) || Nul(w.details);
        } else if constexpr (std::is_same_v<T, StatusUpdate>) {
          for (const auto& [column, value] : w.fields) {
            if (const auto* text = std::get_if<std::string>(&value); text && Nul(*text)) {
              return true;
            }
          }
          return false;
        } else {
          return false;
        }
      },
      event.write);
}

Status PgEventStatements::Prepare() {
  for (const NamedSql& statement : kStatements) {
    if (Status s = conn_->Prepare(statement.name, statement.sql); !s.ok()) return s;
  }
  // The storage API's own kv.set text (its parameters in the same order).
  const std::string kv_set =
      storage_api::KvSetStatement({}, 0, storage_api::Dialect::kPostgres).sql;
  return conn_->Prepare("kv_set", kv_set.c_str());
}

bool PgEventStatements::Pipelines(const PluginWrite& write) {
  return std::holds_alternative<storage_api::KvSet>(write.command);
}

Status PgEventStatements::Queue(const Event& event, int* commands) {
  *commands = 0;
  return std::visit([&](const auto& w) { return Queue(w, event.unix_time, commands); },
                    event.write);
}

Status PgEventStatements::Send(const char* name, int* commands) {
  ++*commands;
  return conn_->SendPrepared(name, params_);
}

Status PgEventStatements::Queue(const UserJoined& w, int64_t now, int* commands) {
  params_.Clear();
  params_.Add(w.username);
  params_.Add(now);
  return Send("user_joined", commands);
}

Status PgEventStatements::Queue(const UserLeft& w, int64_t now, int* commands) {
  params_.Clear();
  params_.Add(now);
  params_.Add(w.username);
  return Send("user_left", commands);
}

Status PgEventStatements::Queue(const ChatMessage& w, int64_t now, int* commands) {
  params_.Clear();
  params_.Add(now);
  params_.Add(w.username);
  if (Status s = Send("chat_stats", commands); !s.ok()) return s;
  if (!WantsChatRow(w)) return Status::OK();
  params_.Clear();
  params_.Add(now);
  params_.Add(w.username);
  params_.Add(w.message);
  return Send("chat_insert", commands);
}

Status PgEventStatements::Queue(const UserCount& w, int64_t now, int* commands) {
  params_.Clear();
  params_.Add(now);
  params_.Add(w.chat_count);
  params_.Add(w.connected_count);
  return Send("user_count", commands);
}

Status PgEventStatements::Queue(const HighWater& w, int64_t now, int* commands) {
  params_.Clear();
  params_.Add(w.chat_count);
  params_.Add(now);
  if (Status s = Send("high_water_users", commands); !s.ok()) return s;
  // The original skipped a null or zero connected count.
  if (!w.connected_count || *w.connected_count == 0) return Status::OK();
  params_.Clear();
  params_.Add(*w.connected_count);
  params_.Add(now);
  return Send("high_water_connected", commands);
}

Status PgEventStatements::Queue(const StatusUpdate& w, int64_t now, int* commands) {
  std::array<const StatusValue*, kStatusColumnCount> values{};
  uint32_t columns = 0;
  for (const auto& [column, value] : w.fields) {
    // A name reaches the SQL text only if it is one of the schema's own.
    const int index = StatusColumnIndex(column);
    if (index < 0) {
      return Status::InvalidArgument("status column '" + column + "' is not whitelisted");
    }
    columns |= 1u << index;
    values[static_cast<size_t>(index)] = &value;  // a repeated column: the last wins
  }
  if (columns == 0) return Status::OK();  // the original did nothing either
  auto it = status_sql_.find(columns);
  if (it == status_sql_.end()) {
    std::string sql = "UPDATE current_status SET ";
    const auto names = StatusColumns();
    int param = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      if (columns & (1u << i)) {
        ((sql += names[i]) += " = $") += std::to_string(++param) + ", ";
      }
    }
    sql += "last_updated = $" + std::to_string(++param) + " WHERE id = 1";
    it = status_sql_.emplace(columns, std::move(sql)).first;
  }
  params_.Clear();
  for (const StatusValue* value : values) {
    if (value != nullptr) params_.Add(*value);
  }
  params_.Add(now);
  ++*commands;
  return conn_->SendQuery(it->second.c_str(), params_);
}

Status PgEventStatements::Queue(const MarkSent& w, int64_t now, int* commands) {
  params_.Clear();
  params_.Add(now);
  params_.Add(w.message_id);
  return Send("mark_sent", commands);
}

Status PgEventStatements::Queue(const MarkFailed& w, int64_t now, int* commands) {
  params_.Clear();
  if (w.is_permanent) {  // marked sent so that it is never retried
    params_.Add(now);
    params_.Add(w.error);
    params_.Add(w.message_id);
    return Send("mark_failed_permanent", commands);
  }
  params_.Add(w.error);
  params_.Add(w.message_id);
  return Send("mark_failed_transient", commands);
}

Status PgEventStatements::Queue(const UserAction& w, int64_t now, int* commands) {
  params_.Clear();
  params_.Add(w.timestamp.value_or(now));
  params_.Add(w.username);
  params_.Add(w.action_type);
  params_.Add(w.details);
  return Send("user_action", commands);
}

Status PgEventStatements::Queue(const LogChat& w, int64_t now, int* commands) {
  params_.Clear();
  params_.Add(w.timestamp.value_or(now));
  params_.Add(w.username);
  params_.Add(w.message);
  return Send("chat_insert", commands);
}

Status PgEventStatements::Queue(const std::shared_ptr<PluginWrite>& w, int64_t now,
                                int* commands) {
  w->outcome = PluginOutcome{};
  const auto* set = std::get_if<storage_api::KvSet>(&w->command);
  if (set == nullptr) {
    w->outcome.status =
        Status::Internal("only kv.set is pipelined; PostgresWriter applies the other writes");
    return Status::OK();
  }
  if (Nul(set->plugin_name) || Nul(set->key) || Nul(set->value_json)) {
    w->outcome.status =
        Status::InvalidArgument("a text holds a NUL character, which PostgreSQL cannot store");
    return Status::OK();
  }
  params_.Clear();
  params_.Add(set->plugin_name);
  params_.Add(set->key);
  params_.Add(set->value_json);
  params_.Add(set->expires_at);
  params_.Add(now);
  params_.Add(now);
  return Send("kv_set", commands);
}

}  // namespace roseyd::store
