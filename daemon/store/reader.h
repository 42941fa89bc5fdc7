#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/rows.h"

namespace roseyd::store {

// The read side of a store: the protocol's queries. Each call sees every
// transaction committed before it. Errors (busy past a timeout, I/O) come
// back as a non-OK Status. Store::OpenReader makes one; SqliteReader
// (store/sqlite/sqlite_reader.h) is the SQLite one.
//
// Thread: confined to one thread at a time; use one Reader per request worker.
class Reader {
 public:
  virtual ~Reader() = default;

  // Unsent outbound messages due for (re)delivery at `now` (Unix seconds):
  // sent=0, retry_count < max_retries, and retry_count=0 or
  // timestamp + 2^retry_count*60 <= now; oldest first.
  virtual Status OutboundPending(int limit, int max_retries, int64_t now,
                                 std::vector<OutboundRow>* out) = 0;

  // The newest `limit` recent_chat rows, returned oldest first.
  virtual Status RecentChat(int limit, std::vector<ChatRow>* out) = 0;

  // get_recent_messages(limit, offset): newest first.
  virtual Status RecentMessages(int limit, int offset, std::vector<RecentMessageRow>* out) = 0;

  // The high-water marks, the top chatters and how many users were seen, as
  // of one moment.
  virtual Status GetChannelStats(ChannelStats* out) = 0;

  // Sets *out to nullopt when the user is unknown.
  virtual Status GetUserStats(std::string_view username, std::optional<UserStatsRow>* out) = 0;

  // Row count of `table` (one of the schema's tables), for tests and
  // benchmarks; InvalidArgument for any other name.
  virtual Status CountRows(std::string_view table, int64_t* out) = 0;
};

}  // namespace roseyd::store
