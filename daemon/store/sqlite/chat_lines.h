#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "store/sqlite/database.h"
#include "store/event.h"

namespace roseyd::store {

// True if a chat line gets a recent_chat row: as the original, not for an
// empty message or username, nor for the server (compared in lower case).
bool WantsChatRow(const ChatMessage& line);

// Writes a run of consecutive message.log events (ChatMessage) in bulk: one
// user_stats UPDATE per user, recent_chat rows kRowsPerInsert to a statement.
// The rows and counters come out exactly as one event at a time would leave
// them, at about half the cost: an AUTOINCREMENT table pays its
// sqlite_sequence update once per statement, not once per row.
//
// A failed Apply leaves the run partly written; the caller rolls back the
// transaction and, for a data error, redoes the events one by one to find
// the bad one.
//
// Thread: confined to the writer thread, like its Database.
class ChatLineWriter {
 public:
  static constexpr size_t kRowsPerInsert = 16;

  explicit ChatLineWriter(Database* db);

  // REQUIRES: every event in `run` holds a ChatMessage; inside a transaction.
  Status Apply(std::span<const Event> run);

 private:
  struct UserLines {
    int64_t lines = 0;
    int64_t last_seen = 0;
  };

  Statement count_lines_;    // user_stats += n lines, last_seen
  Statement insert_one_;     // one recent_chat row
  Statement insert_many_;    // kRowsPerInsert recent_chat rows
  // Reused across runs so that a steady stream allocates nothing here.
  std::unordered_map<std::string_view, UserLines> users_;
  std::vector<const Event*> rows_;
};

}  // namespace roseyd::store
