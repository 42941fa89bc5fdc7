#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "store/reader.h"
#include "store/store.h"
#include "writer/event_writer.h"

namespace roseyd::testing {

// The store API under the same names as the original's BotDatabase, for code
// that uses roseyd's store without NATS (the CPU-overhead comparison, tools,
// tests). Writes go through an EventWriter and return once committed; reads
// use one Reader.
//
// Thread: writes are thread-safe; reads are confined to one thread at a time.
class BotDatabase {
 public:
  // Opens or creates the SQLite database at `path`; throws StartupError.
  BotDatabase(const StoreConfig& config, const std::string& path);
  // Writes and reads through `store`, which it does not borrow; throws
  // StartupError.
  BotDatabase(const StoreConfig& config, store::Store* store);
  ~BotDatabase();  // closes open sessions, as a clean shutdown does

  BotDatabase(const BotDatabase&) = delete;
  BotDatabase& operator=(const BotDatabase&) = delete;

  Status UserJoined(std::string_view username);
  Status UserLeft(std::string_view username);
  Status UserChatMessage(std::string_view username, std::string_view message);
  Status LogUserCount(int64_t chat_count, int64_t connected_count);
  Status UpdateHighWaterMark(int64_t chat_count, std::optional<int64_t> connected_count);
  Status LogChat(std::string_view username, std::string_view message,
                 std::optional<int64_t> timestamp = std::nullopt);
  Status MarkOutboundSent(int64_t message_id);

  // Newest first, as the original's get_recent_messages(limit=100, offset=0).
  Status GetRecentMessages(int limit, int offset, std::vector<store::RecentMessageRow>* out);

  store::Reader& reader() { return *reader_; }

  // Queues `write` and waits for its commit.
  Status Apply(store::Write write);

 private:
  class NullListener;
  std::unique_ptr<NullListener> listener_;
  store::EventWriter writer_;
  std::unique_ptr<store::Reader> reader_;
};

}  // namespace roseyd::testing
