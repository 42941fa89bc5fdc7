#include "service/payload_decoder.h"

#include <array>
#include <cmath>
#include <limits>

#include "service/json_fields.h"

namespace roseyd::service {

namespace {

constexpr int64_t kMaxCount = 1'000'000'000;  // users in a channel: generous, not absurd
constexpr int64_t kMaxId = std::numeric_limits<int64_t>::max();
// A pm_command timestamp is used only when it is plausible: after 2000-01-01
// and at most a day ahead of roseyd's clock. Otherwise "now" is used.
constexpr int64_t kEarliestTimestamp = 946684800;
constexpr int64_t kMaxClockSkew = 86400;

constexpr std::array<std::string_view, 11> kStatusWhitelist = {
    "bot_name",           "bot_rank",      "bot_afk",
    "channel_name",       "current_chat_users", "current_connected_users",
    "playlist_items",     "current_media_title", "current_media_duration",
    "bot_start_time",     "bot_connected",
};

bool IsWhitelisted(std::string_view key) {
  for (auto allowed : kStatusWhitelist) {
    if (allowed == key) return true;
  }
  return false;
}

using Result = std::variant<DecodedEvent, Rejection>;

Result Decoded(store::Write write) { return DecodedEvent{std::move(write), {}}; }

Result DecodeUsername(const JsonFields& f, bool joined) {
  std::string username;
  if (auto r = f.RequiredString("username", &username)) return *std::move(r);
  if (joined) return Decoded(store::UserJoined{std::move(username)});
  return Decoded(store::UserLeft{std::move(username)});
}

Result DecodeMessageLog(const JsonFields& f) {
  store::ChatMessage m;
  if (auto r = f.RequiredString("username", &m.username)) return *std::move(r);
  if (auto r = f.RequiredString("message", &m.message)) return *std::move(r);
  return Decoded(std::move(m));
}

Result DecodeUserCount(const JsonFields& f) {
  store::UserCount c;
  if (auto r = f.Int("chat_count", 0, 0, kMaxCount, &c.chat_count)) return *std::move(r);
  if (auto r = f.Int("connected_count", 0, 0, kMaxCount, &c.connected_count)) return *std::move(r);
  return Decoded(c);
}

Result DecodeHighWater(const JsonFields& f) {
  store::HighWater h;
  if (auto r = f.Int("chat_count", 0, 0, kMaxCount, &h.chat_count)) return *std::move(r);
  if (auto r = f.NullableInt("connected_count", 0, kMaxCount, &h.connected_count)) return *std::move(r);
  return Decoded(h);
}

Result DecodeStatusUpdate(const JsonFields& f) {
  DecodedEvent decoded{store::StatusUpdate{}, {}};
  auto& update = std::get<store::StatusUpdate>(decoded.write);
  auto rejection = f.ForEachMember(
      "status_data",
      [&](std::string_view key, JsonFields::Element value) -> std::optional<Rejection> {
        if (!IsWhitelisted(key)) {
          decoded.ignored_status_keys.emplace_back(key);
          return std::nullopt;
        }
        store::StatusValue stored;
        if (auto r = JsonFields::ToStatusValue(key, value, &stored)) return r;
        update.fields.emplace_back(std::string(key), std::move(stored));
        return std::nullopt;
      });
  if (rejection) return *std::move(rejection);
  if (update.fields.empty()) {
    return Rejection{RejectReason::kEmptyField, "field 'status_data' has no whitelisted key"};
  }
  return decoded;
}

Result DecodeMarkSent(const JsonFields& f) {
  store::MarkSent m;
  if (auto r = f.RequiredInt("message_id", 0, kMaxId, &m.message_id)) return *std::move(r);
  return Decoded(m);
}

Result DecodeMarkFailed(const JsonFields& f) {
  store::MarkFailed m;
  if (auto r = f.RequiredInt("message_id", 0, kMaxId, &m.message_id)) return *std::move(r);
  if (auto r = f.OptionalString("error", "", &m.error)) return *std::move(r);
  if (auto r = f.Bool("is_permanent", false, &m.is_permanent)) return *std::move(r);
  return Decoded(std::move(m));
}

Result DecodePmCommand(const JsonFields& f, int64_t now) {
  store::UserAction action;
  action.action_type = "pm_command";
  std::string command, args, result, error;
  bool has_error = false;
  std::optional<double> timestamp;
  if (auto r = f.RequiredString("username", &action.username)) return *std::move(r);
  if (auto r = f.RequiredString("command", &command)) return *std::move(r);
  if (auto r = f.OptionalString("args", "", &args)) return *std::move(r);
  if (auto r = f.OptionalString("result", "unknown", &result)) return *std::move(r);
  if (auto r = f.OptionalString("error", "", &error, &has_error)) return *std::move(r);
  if (auto r = f.NullableNumber("timestamp", &timestamp)) return *std::move(r);
  action.details = FormatPmCommandDetails(command, args, result, has_error ? &error : nullptr);
  if (timestamp && std::isfinite(*timestamp) && *timestamp >= kEarliestTimestamp &&
      *timestamp <= static_cast<double>(now + kMaxClockSkew)) {
    action.timestamp = static_cast<int64_t>(*timestamp);
  }
  return Decoded(std::move(action));
}

}  // namespace

std::string FormatPmCommandDetails(std::string_view command, std::string_view args,
                                   std::string_view result, const std::string* error) {
  std::string details = "cmd=";
  details += command;
  if (!args.empty()) {
    details += ", args: ";
    details += args;
  }
  details += ", result: ";
  details += result.empty() ? std::string_view("unknown") : result;
  if (error != nullptr) {
    details += ", error: ";
    details += *error;
  }
  return details;
}

std::variant<DecodedEvent, Rejection> DecodeEvent(Subject subject, std::string_view payload,
                                                  int64_t now) {
  JsonFields fields;
  if (auto rejection = JsonFields::Parse(payload, &fields)) return *std::move(rejection);
  switch (subject) {
    case Subject::kUserJoined: return DecodeUsername(fields, /*joined=*/true);
    case Subject::kUserLeft: return DecodeUsername(fields, /*joined=*/false);
    case Subject::kMessageLog: return DecodeMessageLog(fields);
    case Subject::kUserCount: return DecodeUserCount(fields);
    case Subject::kHighWater: return DecodeHighWater(fields);
    case Subject::kStatusUpdate: return DecodeStatusUpdate(fields);
    case Subject::kMarkSent: return DecodeMarkSent(fields);
    case Subject::kMarkFailed: return DecodeMarkFailed(fields);
    case Subject::kPmCommand: return DecodePmCommand(fields, now);
    default: break;
  }
  return Rejection{RejectReason::kUnknownSubject, "not an event subject"};
}

}  // namespace roseyd::service
