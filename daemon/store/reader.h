#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/rows.h"

namespace roseyd::store {

// A read-only connection with the protocol's queries prepared once. Sees
// every transaction committed before each call (WAL snapshot per statement).
// Errors (busy past the timeout, I/O) come back as a non-OK Status.
//
// Thread: confined to one thread at a time; use one Reader per query thread.
class Reader {
 public:
  // Opens `path` read-only. Throws StartupError if it cannot. The EventWriter
  // must have created the schema first.
  Reader(const std::string& path, std::chrono::milliseconds busy_timeout);
  ~Reader();

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Unsent outbound messages due for (re)delivery at `now` (Unix seconds):
  // sent=0, retry_count < max_retries, and retry_count=0 or
  // timestamp + 2^retry_count*60 <= now; oldest first.
  Status OutboundPending(int limit, int max_retries, int64_t now,
                         std::vector<OutboundRow>* out);

  // The newest `limit` recent_chat rows, returned oldest first.
  Status RecentChat(int limit, std::vector<ChatRow>* out);

  // get_recent_messages(limit, offset): newest first.
  Status RecentMessages(int limit, int offset, std::vector<RecentMessageRow>* out);

  Status GetChannelStats(ChannelStats* out);

  // Sets *out to nullopt when the user is unknown.
  Status GetUserStats(std::string_view username, std::optional<UserStatsRow>* out);

  // Row count of `table` (one of the schema's tables), for tests and benchmarks.
  Status CountRows(std::string_view table, int64_t* out);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roseyd::store
