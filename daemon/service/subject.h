#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace roseyd::service {

// The Rosey database subjects, as suffixes of the configured prefix
// ("rosey.db" by default). Events are fire-and-forget; requests get a reply.
enum class Subject : std::size_t {
  kUserJoined,
  kUserLeft,
  kMessageLog,
  kUserCount,
  kHighWater,
  kStatusUpdate,
  kMarkSent,
  kMarkFailed,  // roseyd addition, planned by the original
  kPmCommand,
  kOutboundGet,
  kRecentChatGet,
  kChannelStats,
  kUserStats,
  kCount,
};

inline constexpr std::size_t kSubjectCount = static_cast<std::size_t>(Subject::kCount);

// "user.joined", "query.user_stats", ...
std::string_view SubjectSuffix(Subject subject);

bool IsRequest(Subject subject);

// Maps "<prefix>.<suffix>" to its Subject; nullopt for anything else.
std::optional<Subject> ParseSubject(std::string_view prefix, std::string_view subject);

// Every subject in enum order, for pre-creating metrics.
constexpr std::array<Subject, kSubjectCount> AllSubjects() {
  std::array<Subject, kSubjectCount> all{};
  for (std::size_t i = 0; i < kSubjectCount; ++i) all[i] = static_cast<Subject>(i);
  return all;
}

}  // namespace roseyd::service
