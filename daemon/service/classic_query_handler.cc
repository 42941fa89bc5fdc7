#include "service/classic_query_handler.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "service/json_fields.h"
#include "store/reader.h"

namespace roseyd::service {

namespace {

// ordered_json keeps keys in the order the original wrote them.
using json = nlohmann::ordered_json;

// Text from the database may have been written by other programs and need
// not be UTF-8: replace bad bytes rather than fail the whole reply.
std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

json Nullable(const std::optional<int64_t>& value) {
  return value ? json(*value) : json(nullptr);
}

const std::string kEmptyList = "[]";

RequestOutcome EmptyListFor(Rejection rejection) {
  return RequestOutcome{kEmptyList, std::move(rejection), Status::OK()};
}

// A list query's field out of range or of the wrong type: `[]` would read as
// "nothing there", so the reply says what is wrong instead.
RequestOutcome FieldErrorFor(Rejection rejection) {
  std::string reply = ClassicErrorReply(rejection.detail);
  return RequestOutcome{std::move(reply), std::move(rejection), Status::OK()};
}

}  // namespace

std::string ClassicErrorReply(std::string_view error) {
  return Dump(json{{"success", false}, {"error", error}});
}

std::string ClassicQueryHandler::ErrorReply(Subject subject, std::string_view error) {
  switch (subject) {
    case Subject::kOutboundGet:
    case Subject::kRecentChatGet:
      return kEmptyList;  // the original's error reply for list queries
    default:
      return ClassicErrorReply(error);
  }
}

RequestOutcome ClassicQueryHandler::Handle(Subject subject, std::string_view payload, int64_t now) {
  switch (subject) {
    case Subject::kOutboundGet: return OutboundGet(payload, now);
    case Subject::kRecentChatGet: return RecentChatGet(payload);
    case Subject::kChannelStats: return ChannelStats();
    case Subject::kUserStats: return UserStats(payload);
    default: break;
  }
  return RequestOutcome{ErrorReply(subject, "not a request subject"),
                        Rejection{RejectReason::kUnknownSubject, "not a request subject"},
                        Status::OK()};
}

RequestOutcome ClassicQueryHandler::OutboundGet(std::string_view payload, int64_t now) {
  JsonFields fields;
  if (auto r = JsonFields::Parse(payload, &fields)) return EmptyListFor(*std::move(r));
  int64_t limit = 0, max_retries = 0;
  if (auto r = fields.Int("limit", 50, 0, max_limit_, &limit)) return FieldErrorFor(*std::move(r));
  if (auto r = fields.Int("max_retries", 3, 0, 62, &max_retries)) {
    return FieldErrorFor(*std::move(r));
  }
  std::vector<store::OutboundRow> rows;
  Status s = reader_->OutboundPending(static_cast<int>(limit), static_cast<int>(max_retries),
                                      now, &rows);
  if (!s.ok()) return RequestOutcome{kEmptyList, std::nullopt, std::move(s)};
  json reply = json::array();
  for (auto& row : rows) {
    reply.push_back({{"id", row.id},
                     {"timestamp", row.timestamp},
                     {"message", std::move(row.message)},
                     {"retry_count", row.retry_count},
                     {"last_error", row.last_error ? json(*row.last_error) : json(nullptr)}});
  }
  return RequestOutcome{Dump(reply), std::nullopt, Status::OK()};
}

RequestOutcome ClassicQueryHandler::RecentChatGet(std::string_view payload) {
  JsonFields fields;
  if (auto r = JsonFields::Parse(payload, &fields)) return EmptyListFor(*std::move(r));
  int64_t limit = 0;
  if (auto r = fields.Int("limit", 50, 0, max_limit_, &limit)) return FieldErrorFor(*std::move(r));
  std::vector<store::ChatRow> rows;
  Status s = reader_->RecentChat(static_cast<int>(limit), &rows);
  if (!s.ok()) return RequestOutcome{kEmptyList, std::nullopt, std::move(s)};
  json reply = json::array();
  for (auto& row : rows) {
    reply.push_back({{"timestamp", row.timestamp},
                     {"username", std::move(row.username)},
                     {"message", std::move(row.message)}});
  }
  return RequestOutcome{Dump(reply), std::nullopt, Status::OK()};
}

RequestOutcome ClassicQueryHandler::ChannelStats() {
  // The original never parsed this request's payload; neither do we.
  store::ChannelStats stats;
  Status s = reader_->GetChannelStats(&stats);
  if (!s.ok()) {
    return RequestOutcome{ErrorReply(Subject::kChannelStats, s.message()), std::nullopt,
                          std::move(s)};
  }
  json top = json::array();
  for (auto& chatter : stats.top_chatters) {
    top.push_back({{"username", std::move(chatter.username)}, {"chat_lines", chatter.chat_lines}});
  }
  json reply = {
      {"high_water_mark",
       {{"users", stats.max_users}, {"timestamp", Nullable(stats.max_users_timestamp)}}},
      {"high_water_connected",
       {{"users", stats.max_connected}, {"timestamp", Nullable(stats.max_connected_timestamp)}}},
      {"top_chatters", std::move(top)},
      {"total_users_seen", stats.total_users_seen},
      {"success", true}};
  return RequestOutcome{Dump(reply), std::nullopt, Status::OK()};
}

RequestOutcome ClassicQueryHandler::UserStats(std::string_view payload) {
  JsonFields fields;
  if (auto r = JsonFields::Parse(payload, &fields)) {
    return RequestOutcome{ErrorReply(Subject::kUserStats, "Invalid request format"),
                          *std::move(r), Status::OK()};
  }
  std::string username;
  if (auto r = fields.RequiredString("username", &username)) {
    // The original answered every missing/empty/non-string username alike.
    return RequestOutcome{ErrorReply(Subject::kUserStats, "Missing username in request"),
                          *std::move(r), Status::OK()};
  }
  std::optional<store::UserStatsRow> row;
  Status s = reader_->GetUserStats(username, &row);
  if (!s.ok()) {
    return RequestOutcome{ErrorReply(Subject::kUserStats, s.message()), std::nullopt,
                          std::move(s)};
  }
  json reply;
  if (!row) {
    reply = {{"username", username},
             {"success", true},
             {"found", false},
             {"message", "No statistics found for user '" + username + "'"}};
  } else {
    reply = {{"username", std::move(row->username)},
             {"first_seen", row->first_seen},
             {"last_seen", row->last_seen},
             {"total_chat_lines", row->total_chat_lines},
             {"total_time_connected", row->total_time_connected},
             {"current_session_start", Nullable(row->current_session_start)},
             {"success", true},
             {"found", true}};
  }
  return RequestOutcome{Dump(reply), std::nullopt, Status::OK()};
}

}  // namespace roseyd::service
