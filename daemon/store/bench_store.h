#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace roseyd::store {

// What the load generator counts in the service's database to judge its
// scenarios, behind the store interface so that loadgen/ knows no backend.
// Username prefixes are matched with SQL LIKE, so
// REQUIRES: a prefix holds neither '%' nor '_'.
//
// Thread: confined to one thread at a time.
class BenchCounts {
 public:
  virtual ~BenchCounts() = default;

  // recent_chat rows of users whose name starts with `username_prefix`.
  virtual Status RecentChatRows(std::string_view username_prefix, int64_t* out) = 0;
  // SUM(user_stats.total_chat_lines) of those users (0 when none).
  virtual Status UserStatsChatLines(std::string_view username_prefix, int64_t* out) = 0;
  // user_stats rows of those users.
  virtual Status UserStatsUsers(std::string_view username_prefix, int64_t* out) = 0;
  // user_actions rows of action_type 'pm_command' by those users.
  virtual Status PmCommandActions(std::string_view username_prefix, int64_t* out) = 0;
  // user_count_history rows whose chat_users is `chat_users` (a marker value).
  virtual Status UserCountHistoryRows(int64_t chat_users, int64_t* out) = 0;
  // current_status rows whose bot_name is `bot_name`.
  virtual Status CurrentStatusRows(std::string_view bot_name, int64_t* out) = 0;
};

// The counts on the SQLite file at `path`, read-only, beside a writer (WAL).
// Throws StartupError naming the file if it cannot be opened.
std::unique_ptr<BenchCounts> OpenBenchCounts(const std::string& path);

// A schema of the benchmark's own in a shared database, made empty at
// construction and dropped, with all that was written in it, when this
// object dies: the failover scenario's service instances and the cost
// workload work in it (url() sets their search_path there).
//
// Thread: confined to one thread at a time.
class BenchSchema {
 public:
  static constexpr const char* kDefaultName = "roseyd_bench";

  virtual ~BenchSchema() = default;

  // The database's URL with the schema as the search path.
  virtual const std::string& url() const = 0;
  virtual const std::string& redacted_url() const = 0;
  virtual const std::string& name() const = 0;
  // recent_chat rows of users whose name starts with `username_prefix`, and
  // how many distinct (username, message) pairs among them.
  virtual Status ChatRows(std::string_view username_prefix, int64_t* rows, int64_t* distinct) = 0;
};

// A BenchSchema `name` in the PostgreSQL database at `url`. Throws
// StartupError naming the redacted URL and the reason.
std::unique_ptr<BenchSchema> OpenBenchSchema(const std::string& url,
                                             std::string name = BenchSchema::kDefaultName);

// The version of the SQLite library the store runs on ("3.40.1"), for
// benchmark reports.
std::string SqliteVersion();

}  // namespace roseyd::store
