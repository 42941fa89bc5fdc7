#include "loadgen/payloads.h"

#include <array>

namespace roseyd::loadgen {

std::string ChatLinePayload(const std::string& username, uint64_t index, int message_bytes) {
  std::string message = "line " + std::to_string(index) + " ";
  static constexpr char kFill[] = "the quick brown fox jumps over the lazy dog ";
  while (static_cast<int>(message.size()) < message_bytes) {
    message += kFill[message.size() % (sizeof(kFill) - 1)];
  }
  message.resize(static_cast<size_t>(message_bytes));
  return R"({"username":")" + username + R"(","message":")" + message + R"("})";
}

std::string UsernamePayload(const std::string& username) {
  return R"({"username":")" + username + R"("})";
}

std::string UserCountPayload(int64_t chat, int64_t connected) {
  return R"({"chat_count":)" + std::to_string(chat) + R"(,"connected_count":)" +
         std::to_string(connected) + "}";
}

std::string HighWaterPayload(int64_t chat, int64_t connected) {
  return R"({"chat_count":)" + std::to_string(chat) + R"(,"connected_count":)" +
         std::to_string(connected) + "}";
}

std::string StatusPayload(uint64_t index) {
  return R"({"status_data":{"bot_name":"roseyd-bench","bot_connected":1,"playlist_items":)" +
         std::to_string(index % 500) + R"(,"current_media_title":"bench media )" +
         std::to_string(index) + R"("}})";
}

std::string PmCommandPayload(const std::string& username, uint64_t index, bool done) {
  return R"({"timestamp":)" + std::to_string(1700000000 + index) + R"(.5,"username":")" +
         username + R"(","command":"stats","args":"","result":")" +
         (done ? "success" : "pending") + R"(","error":null})";
}

std::string MarkSentPayload(int64_t message_id) {
  return R"({"message_id":)" + std::to_string(message_id) + "}";
}

MixedKind MixedKindOf(uint64_t index) {
  // One cycle of 50 events: 36 chat, 3 join, 3 high water, 3 leave, 2 PM
  // (one command: pending then success), 1 status, 1 user count, 1 mark_sent.
  static constexpr std::array<MixedKind, 50> kCycle = [] {
    std::array<MixedKind, 50> cycle{};
    for (auto& k : cycle) k = MixedKind::kChat;
    cycle[3] = cycle[20] = cycle[37] = MixedKind::kJoin;
    cycle[4] = cycle[21] = cycle[38] = MixedKind::kHighWater;
    cycle[12] = cycle[29] = cycle[46] = MixedKind::kLeave;
    cycle[8] = cycle[9] = MixedKind::kPmCommand;
    cycle[25] = MixedKind::kStatus;
    cycle[33] = MixedKind::kUserCount;
    cycle[42] = MixedKind::kMarkSent;
    return cycle;
  }();
  return kCycle[index % kCycle.size()];
}

const char* MixedSubjectSuffix(MixedKind kind) {
  switch (kind) {
    case MixedKind::kChat: return "message.log";
    case MixedKind::kJoin: return "user.joined";
    case MixedKind::kHighWater: return "stats.high_water";
    case MixedKind::kLeave: return "user.left";
    case MixedKind::kPmCommand: return "action.pm_command";
    case MixedKind::kStatus: return "status.update";
    case MixedKind::kUserCount: return "stats.user_count";
    case MixedKind::kMarkSent: return "messages.outbound.mark_sent";
  }
  return "message.log";
}

std::string MixedPayload(MixedKind kind, const std::string& user, uint64_t index,
                         int message_bytes, int64_t marker) {
  switch (kind) {
    case MixedKind::kChat: return ChatLinePayload(user, index, message_bytes);
    case MixedKind::kJoin:
    case MixedKind::kLeave: return UsernamePayload(user);
    case MixedKind::kHighWater: return HighWaterPayload(1, 1);
    case MixedKind::kPmCommand: return PmCommandPayload(user, index, index % 2 == 1);
    case MixedKind::kStatus: return StatusPayload(index);
    case MixedKind::kUserCount: return UserCountPayload(marker, marker);
    case MixedKind::kMarkSent: return MarkSentPayload(0);  // no row has id 0
  }
  return "";
}

ClassicQuery ClassicQueryOf(uint64_t index, const std::string& username) {
  switch (index % 4) {
    case 0: return {"query.user_stats", UsernamePayload(username)};
    case 1: return {"query.channel_stats", "{}"};
    case 2: return {"stats.recent_chat.get", R"({"limit":20})"};
    default: return {"messages.outbound.get", R"({"limit":20,"max_retries":3})"};
  }
}

std::string SearchRowPayload(int64_t n) {
  return R"({"n":)" + std::to_string(n % 1000) + R"(,"text":"quote )" + std::to_string(n) +
         R"(","score":)" + std::to_string(static_cast<double>(n % 97) / 7) + "}";
}

std::string RowSearchPayload(uint64_t index) {
  // n spans 0..999: a window of 50 matches about 500 rows of the 10,000.
  const int64_t low = static_cast<int64_t>(index * 37 % 950);
  return R"({"table":"search_latency","filters":{"n":{"$gte":)" + std::to_string(low) +
         R"(,"$lt":)" + std::to_string(low + 50) +
         R"(}},"sort":{"field":"score","order":"desc"},"limit":20})";
}

}  // namespace roseyd::loadgen
