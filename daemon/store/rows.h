#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace roseyd::store {

// What the read side returns; one struct per reply shape of the protocol.

struct OutboundRow {  // rosey.db.messages.outbound.get
  int64_t id = 0;
  int64_t timestamp = 0;
  std::string message;
  int64_t retry_count = 0;
  std::optional<std::string> last_error;
};

struct ChatRow {  // rosey.db.stats.recent_chat.get
  int64_t timestamp = 0;
  std::string username;
  std::string message;
};

struct RecentMessageRow {  // get_recent_messages (Sprint 10.5)
  int64_t id = 0;
  int64_t timestamp = 0;
  std::string username;
  std::string message;
};

struct TopChatter {
  std::string username;
  int64_t chat_lines = 0;
};

struct ChannelStats {  // rosey.db.query.channel_stats
  int64_t max_users = 0;
  std::optional<int64_t> max_users_timestamp;
  int64_t max_connected = 0;
  std::optional<int64_t> max_connected_timestamp;
  std::vector<TopChatter> top_chatters;  // up to 10, chat_lines desc, only > 0
  int64_t total_users_seen = 0;
};

struct UserStatsRow {  // rosey.db.query.user_stats
  std::string username;
  int64_t first_seen = 0;
  int64_t last_seen = 0;
  int64_t total_chat_lines = 0;
  int64_t total_time_connected = 0;
  std::optional<int64_t> current_session_start;
};

}  // namespace roseyd::store
