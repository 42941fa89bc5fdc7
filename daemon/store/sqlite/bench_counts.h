#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/bench_store.h"
#include "store/sqlite/database.h"

namespace roseyd::store {

// BenchCounts on a SQLite file: a read-only connection beside the service's
// writer. WAL lets it read while the writer writes; each count sees every
// transaction committed before it. A busy file is waited for up to 5 s;
// past that, or on an I/O error, a count returns a non-OK Status (the file
// is path()). OpenBenchCounts makes one.
//
// Thread: confined to one thread at a time.
class SqliteBenchCounts : public BenchCounts {
 public:
  // Opens `path` read-only. Throws StartupError naming the file if it cannot.
  explicit SqliteBenchCounts(const std::string& path);

  SqliteBenchCounts(const SqliteBenchCounts&) = delete;
  SqliteBenchCounts& operator=(const SqliteBenchCounts&) = delete;

  // BenchCounts.
  Status RecentChatRows(std::string_view username_prefix, int64_t* out) override;
  Status UserStatsChatLines(std::string_view username_prefix, int64_t* out) override;
  Status UserStatsUsers(std::string_view username_prefix, int64_t* out) override;
  Status PmCommandActions(std::string_view username_prefix, int64_t* out) override;
  Status UserCountHistoryRows(int64_t chat_users, int64_t* out) override;
  Status CurrentStatusRows(std::string_view bot_name, int64_t* out) override;

  const std::string& path() const { return db_.path(); }

 private:
  // Runs `sql` (one parameter, text or integer) and reads its single integer.
  Status CountText(const char* sql, std::string_view arg, int64_t* out);
  Status CountInt(const char* sql, int64_t arg, int64_t* out);
  Status ReadOne(Statement* stmt, int64_t* out);

  Database db_;
};

}  // namespace roseyd::store
