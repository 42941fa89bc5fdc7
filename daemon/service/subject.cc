#include "service/subject.h"

namespace roseyd::service {

namespace {

constexpr std::array<std::string_view, kSubjectCount> kSuffixes = {
    "user.joined",
    "user.left",
    "message.log",
    "stats.user_count",
    "stats.high_water",
    "status.update",
    "messages.outbound.mark_sent",
    "messages.outbound.mark_failed",
    "action.pm_command",
    "messages.outbound.get",
    "stats.recent_chat.get",
    "query.channel_stats",
    "query.user_stats",
};

}  // namespace

std::string_view SubjectSuffix(Subject subject) {
  return kSuffixes[static_cast<std::size_t>(subject)];
}

bool IsRequest(Subject subject) { return subject >= Subject::kOutboundGet; }

std::optional<Subject> ParseSubject(std::string_view prefix, std::string_view subject) {
  if (subject.size() <= prefix.size() + 1 || !subject.starts_with(prefix) ||
      subject[prefix.size()] != '.') {
    return std::nullopt;
  }
  const std::string_view suffix = subject.substr(prefix.size() + 1);
  for (std::size_t i = 0; i < kSubjectCount; ++i) {
    if (kSuffixes[i] == suffix) return static_cast<Subject>(i);
  }
  return std::nullopt;
}

}  // namespace roseyd::service
