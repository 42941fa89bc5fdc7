#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/sqlite/database.h"

namespace roseyd::store {

// The row counts the load generator checks its scenarios against, on a
// read-only connection to the service's file. WAL lets it read while the
// writer writes; each count sees every transaction committed before it.
// A busy file is waited for up to 5 s; past that, or on an I/O error, a
// count returns a non-OK Status (the file is path()).
//
// Username prefixes are matched with SQL LIKE, so
// REQUIRES: a prefix holds neither '%' nor '_'.
//
// Thread: confined to one thread at a time.
class BenchCounts {
 public:
  // Opens `path` read-only. Throws StartupError naming the file if it cannot.
  explicit BenchCounts(const std::string& path);

  BenchCounts(const BenchCounts&) = delete;
  BenchCounts& operator=(const BenchCounts&) = delete;

  // recent_chat rows of users whose name starts with `username_prefix`.
  Status RecentChatRows(std::string_view username_prefix, int64_t* out);
  // SUM(user_stats.total_chat_lines) of those users (0 when none).
  Status UserStatsChatLines(std::string_view username_prefix, int64_t* out);
  // user_stats rows of those users.
  Status UserStatsUsers(std::string_view username_prefix, int64_t* out);
  // user_actions rows of action_type 'pm_command' by those users.
  Status PmCommandActions(std::string_view username_prefix, int64_t* out);
  // user_count_history rows whose chat_users is `chat_users` (a marker value).
  Status UserCountHistoryRows(int64_t chat_users, int64_t* out);
  // current_status rows whose bot_name is `bot_name`.
  Status CurrentStatusRows(std::string_view bot_name, int64_t* out);

  const std::string& path() const { return db_.path(); }

 private:
  // Runs `sql` (one parameter, text or integer) and reads its single integer.
  Status CountText(const char* sql, std::string_view arg, int64_t* out);
  Status CountInt(const char* sql, int64_t arg, int64_t* out);
  Status ReadOne(Statement* stmt, int64_t* out);

  Database db_;
};

// The version of the SQLite library the store runs on ("3.40.1"), for
// benchmark reports.
std::string SqliteVersion();

}  // namespace roseyd::store
