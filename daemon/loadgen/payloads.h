#pragma once

#include <cstdint>
#include <string>

namespace roseyd::loadgen {

// Payloads shaped like the Rosey bot's (ROSEY_PROTOCOL.md). Names carry no
// JSON-special characters, so no escaping is needed.
std::string ChatLinePayload(const std::string& username, uint64_t index, int message_bytes);
std::string UsernamePayload(const std::string& username);  // user.joined, user.left
std::string UserCountPayload(int64_t chat, int64_t connected);
std::string HighWaterPayload(int64_t chat, int64_t connected);
std::string StatusPayload(uint64_t index);
std::string PmCommandPayload(const std::string& username, uint64_t index, bool done);
std::string MarkSentPayload(int64_t message_id);

// The subject the mixed scenario sends event `index` on, in the bot's
// proportions: mostly chat, then joins and leaves with their high-water
// updates, PM commands in pairs, status every so often, a user count rarely.
enum class MixedKind { kChat, kJoin, kHighWater, kLeave, kPmCommand, kStatus, kUserCount, kMarkSent };
MixedKind MixedKindOf(uint64_t index);
const char* MixedSubjectSuffix(MixedKind kind);  // "message.log", ...
// The payload of mixed event `index` of `kind` from `user`; `marker` is the
// user count's values, so its history rows can be counted apart.
std::string MixedPayload(MixedKind kind, const std::string& user, uint64_t index,
                         int message_bytes, int64_t marker);

// Classic query `index` of the four in turn (user_stats of `username`,
// channel_stats, recent chat, outbound messages).
struct ClassicQuery {
  const char* subject_suffix;  // "query.user_stats", ...
  std::string payload;
};
ClassicQuery ClassicQueryOf(uint64_t index, const std::string& username);

// The row_search_latency table's row `n` ({"n":..,"text":..,"score":..}),
// and search `index` over it: a window of n (about 500 of 10,000 rows), a
// sort by score, limit 20.
std::string SearchRowPayload(int64_t n);
std::string RowSearchPayload(uint64_t index);

}  // namespace roseyd::loadgen
