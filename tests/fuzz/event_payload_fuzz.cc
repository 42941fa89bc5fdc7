// libFuzzer: every event subject's payload decoder. The first byte picks the
// subject, the rest is the payload. Any crash, sanitizer report or broken
// invariant below is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "service/payload_decoder.h"
#include "service/subject.h"

namespace {

using roseyd::service::Subject;

constexpr Subject kEvents[] = {
    Subject::kUserJoined, Subject::kUserLeft,    Subject::kMessageLog,
    Subject::kUserCount,  Subject::kHighWater,   Subject::kStatusUpdate,
    Subject::kMarkSent,   Subject::kMarkFailed,  Subject::kPmCommand,
};

void Check(bool holds) {
  if (!holds) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Subject subject = kEvents[data[0] % std::size(kEvents)];
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto result = roseyd::service::DecodeEvent(subject, payload, 1'700'000'000);
  if (const auto* rejection = std::get_if<roseyd::service::Rejection>(&result)) {
    Check(!rejection->detail.empty());  // every rejection says why
    return 0;
  }
  // What the protocol requires of an accepted event.
  const auto& write = std::get<roseyd::service::DecodedEvent>(result).write;
  if (const auto* line = std::get_if<roseyd::store::ChatMessage>(&write)) {
    Check(!line->username.empty() && !line->message.empty());
  } else if (const auto* joined = std::get_if<roseyd::store::UserJoined>(&write)) {
    Check(!joined->username.empty());
  } else if (const auto* update = std::get_if<roseyd::store::StatusUpdate>(&write)) {
    Check(!update->fields.empty());
  } else if (const auto* count = std::get_if<roseyd::store::UserCount>(&write)) {
    Check(count->chat_count >= 0 && count->connected_count >= 0);
  }
  return 0;
}
