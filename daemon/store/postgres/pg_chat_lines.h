#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "store/event.h"
#include "store/postgres/pg_connection.h"

namespace roseyd::store {

// Writes the chat of a whole batch in bulk: the lines of message.log events
// (ChatMessage) are counted per user and their recent_chat rows (and those
// of LogChat) collected, then written by two statements over arrays bound
// as parameters (unnest): one UPDATE of user_stats for every user, one
// INSERT of every row. Whatever the batch's size, that is two statements
// and one new version of each chatting user's row, where one event at a
// time costs two statements and a row version per line.
//
// The result is exactly what one event at a time leaves, because the only
// other writes to a user's row are its joins and leaves: before one of
// those, the caller flushes that user's pending lines (FlushUser), so each
// user's row sees its lines, joins and leaves in event order; between them,
// a user gains its number of lines and the time of its last one. No other
// event reads recent_chat, and the rows keep event order, so their ids
// ascend as they would one at a time.
//
// An error fails the batch's transaction: the caller redoes the events one
// by one to find the bad one.
//
// Thread: confined to the writer thread. *conn must outlive it; the events
// added must outlive the Queue/Flush calls that send them.
class PgChatLines {
 public:
  explicit PgChatLines(PgConnection* conn) : conn_(conn) {}

  PgChatLines(const PgChatLines&) = delete;
  PgChatLines& operator=(const PgChatLines&) = delete;

  // Prepares the two statements on the connection as it is now.
  Status Prepare();

  // True for the events Add() takes: ChatMessage and LogChat.
  static bool Takes(const Event& event);

  // Forgets what was added: a new attempt at a batch.
  void Clear();
  // REQUIRES: Takes(event).
  void Add(const Event& event);
  // Queues the UPDATE of `username`'s lines added since its last flush, if
  // any; *commands is how many results that gives (0 or 1).
  // REQUIRES: in pipeline mode, inside the batch's transaction.
  Status FlushUser(std::string_view username, int* commands);
  // Queues the UPDATE of every user's pending lines and the INSERT of every
  // row added; *commands as above (0 or 2).
  Status FlushAll(int* commands);

 private:
  struct UserLines {
    int64_t lines = 0;
    int64_t last_seen = 0;
  };

  // Queues the UPDATE of the pending lines of user *only, or of all users
  // if null, which are then no longer pending.
  Status SendCounts(const std::string_view* only);

  PgConnection* const conn_;
  PgParams params_;
  // Reused across batches so that a steady stream allocates little here.
  std::unordered_map<std::string_view, UserLines> users_;  // pending lines
  std::string usernames_, lines_, last_seen_;               // user_stats arrays
  std::string times_, row_usernames_, messages_;            // recent_chat arrays
  bool has_rows_ = false;
};

}  // namespace roseyd::store
