#include "store/sqlite/bench_counts.h"

#include <sqlite3.h>

namespace roseyd::store {

namespace {

// The scenarios' users share a prefix unique to the run, so their rows are
// told apart from any other run's in the same file.
constexpr char kRecentChatRows[] =
    "SELECT COUNT(*) FROM recent_chat WHERE username LIKE ?1 || '%'";
constexpr char kUserStatsChatLines[] =
    "SELECT COALESCE(SUM(total_chat_lines),0) FROM user_stats WHERE username LIKE ?1 || '%'";
constexpr char kUserStatsUsers[] = "SELECT COUNT(*) FROM user_stats WHERE username LIKE ?1 || '%'";
constexpr char kPmCommandActions[] =
    "SELECT COUNT(*) FROM user_actions WHERE action_type = 'pm_command' AND username LIKE ?1 || '%'";
constexpr char kUserCountHistoryRows[] = "SELECT COUNT(*) FROM user_count_history WHERE chat_users = ?1";
constexpr char kCurrentStatusRows[] = "SELECT COUNT(*) FROM current_status WHERE bot_name = ?1";

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

SqliteBenchCounts::SqliteBenchCounts(const std::string& path) : db_(path, Database::Mode::kReadOnly) {
  db_.SetBusyTimeout(kBusyTimeoutMs);
}

Status SqliteBenchCounts::RecentChatRows(std::string_view username_prefix, int64_t* out) {
  return CountText(kRecentChatRows, username_prefix, out);
}

Status SqliteBenchCounts::UserStatsChatLines(std::string_view username_prefix, int64_t* out) {
  return CountText(kUserStatsChatLines, username_prefix, out);
}

Status SqliteBenchCounts::UserStatsUsers(std::string_view username_prefix, int64_t* out) {
  return CountText(kUserStatsUsers, username_prefix, out);
}

Status SqliteBenchCounts::PmCommandActions(std::string_view username_prefix, int64_t* out) {
  return CountText(kPmCommandActions, username_prefix, out);
}

Status SqliteBenchCounts::UserCountHistoryRows(int64_t chat_users, int64_t* out) {
  return CountInt(kUserCountHistoryRows, chat_users, out);
}

Status SqliteBenchCounts::CurrentStatusRows(std::string_view bot_name, int64_t* out) {
  return CountText(kCurrentStatusRows, bot_name, out);
}

Status SqliteBenchCounts::CountText(const char* sql, std::string_view arg, int64_t* out) {
  // Counts run a few times per scenario: prepared on use, not kept.
  Statement stmt;
  if (Status s = stmt.Prepare(&db_, sql, /*persistent=*/false); !s.ok()) return s;
  Statement::Scope scope(&stmt);  // `arg` is bound without a copy
  stmt.Bind(1, arg);
  return ReadOne(&stmt, out);
}

Status SqliteBenchCounts::CountInt(const char* sql, int64_t arg, int64_t* out) {
  Statement stmt;
  if (Status s = stmt.Prepare(&db_, sql, /*persistent=*/false); !s.ok()) return s;
  Statement::Scope scope(&stmt);
  stmt.Bind(1, arg);
  return ReadOne(&stmt, out);
}

Status SqliteBenchCounts::ReadOne(Statement* stmt, int64_t* out) {
  bool has_row = false;
  if (Status s = stmt->Step(&has_row); !s.ok()) return s;
  if (!has_row) return Status::Internal(std::string("no row from \"") + stmt->sql() + "\"");
  *out = stmt->ColumnInt64(0);
  return Status::OK();
}

std::string SqliteVersion() { return sqlite3_libversion(); }

}  // namespace roseyd::store
