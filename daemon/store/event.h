#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace roseyd::store {

// The writes roseyd persists, one struct per Rosey event subject. The service
// decodes and validates payloads into these; the store trusts them.

struct UserJoined {  // rosey.db.user.joined
  std::string username;
};

struct UserLeft {  // rosey.db.user.left
  std::string username;
};

struct ChatMessage {  // rosey.db.message.log
  std::string username;
  std::string message;
};

struct UserCount {  // rosey.db.stats.user_count
  int64_t chat_count = 0;
  int64_t connected_count = 0;
};

struct HighWater {  // rosey.db.stats.high_water
  int64_t chat_count = 0;
  std::optional<int64_t> connected_count;
};

// One whitelisted current_status column and the value to store in it.
// SQLite is dynamically typed and the original bound whatever JSON gave it.
using StatusValue = std::variant<std::monostate, int64_t, double, std::string>;
struct StatusUpdate {  // rosey.db.status.update
  std::vector<std::pair<std::string, StatusValue>> fields;  // column, value
};

struct MarkSent {  // rosey.db.messages.outbound.mark_sent
  int64_t message_id = 0;
};

struct MarkFailed {  // rosey.db.messages.outbound.mark_failed (roseyd addition)
  int64_t message_id = 0;
  std::string error;
  bool is_permanent = false;
};

struct UserAction {  // rosey.db.action.pm_command
  std::string username;
  std::string action_type;  // "pm_command"
  std::string details;      // already formatted as the original did
  std::optional<int64_t> timestamp;  // from the payload when sane
};

struct LogChat {  // store API log_chat (Sprint 10.5): plain recent_chat insert
  std::string username;
  std::string message;
  std::optional<int64_t> timestamp;
};

// A plugin-storage write (rosey.db.kv.set, row.<plugin>.insert, ...): the
// command and the slot its outcome goes to (store/plugin_write.h), shared with
// the request waiting to reply.
struct PluginWrite;

using Write = std::variant<UserJoined, UserLeft, ChatMessage, UserCount, HighWater,
                           StatusUpdate, MarkSent, MarkFailed, UserAction, LogChat,
                           std::shared_ptr<PluginWrite>>;

// A write as it travels to the writer thread.
struct Event {
  Write write;
  int64_t unix_time = 0;  // wall-clock seconds when roseyd received it ("now")
  std::chrono::steady_clock::time_point received{};  // for latency
  uint64_t seq = 0;  // assigned by the EventWriter on Submit; strictly increasing
  uint64_t trace_id = 0;  // set by the load generator to follow it to its commit; 0: none
  // Its JetStream stream sequence (durability: jetstream); 0 under core NATS.
  // The writer records the highest one in the same transaction as the rows.
  uint64_t stream_seq = 0;
};

}  // namespace roseyd::store
