#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "store/event.h"
#include "store/postgres/pg_connection.h"

namespace roseyd::store {

// Writes a run of consecutive message.log events (ChatMessage) in two
// statements, whatever its length: one UPDATE of user_stats for all its
// users and one INSERT of all its recent_chat rows, each over arrays bound
// as parameters (unnest). The rows and counters come out exactly as one
// event at a time would leave them: each user gains its number of lines and
// the time of its last one; rows keep event order, so ids ascend as they
// would one at a time.
//
// An error fails the pair, and with it the pipeline's transaction: the
// caller redoes the events one by one to find the bad line.
//
// Thread: confined to the writer thread. *conn must outlive it.
class PgChatLines {
 public:
  static constexpr int kCommands = 2;  // results Queue() gives

  explicit PgChatLines(PgConnection* conn) : conn_(conn) {}

  PgChatLines(const PgChatLines&) = delete;
  PgChatLines& operator=(const PgChatLines&) = delete;

  // Prepares the two statements on the connection as it is now.
  Status Prepare();

  // Queues the run's two commands.
  // REQUIRES: every event in `run` holds a ChatMessage; in pipeline mode,
  // inside the batch's transaction.
  Status Queue(std::span<const Event> run);

 private:
  struct UserLines {
    int64_t lines = 0;
    int64_t last_seen = 0;
  };

  PgConnection* const conn_;
  PgParams params_;
  // Reused across runs so that a steady stream allocates little here.
  std::unordered_map<std::string_view, UserLines> users_;
  std::string usernames_, lines_, last_seen_;       // user_stats arrays
  std::string times_, row_usernames_, messages_;   // recent_chat arrays
};

}  // namespace roseyd::store
