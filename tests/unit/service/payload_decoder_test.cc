#include "service/payload_decoder.h"

#include <gtest/gtest.h>

namespace roseyd::service {
namespace {

constexpr int64_t kNow = 1'700'000'000;

template <typename T>
T DecodeAs(Subject subject, std::string_view payload) {
  auto result = DecodeEvent(subject, payload, kNow);
  if (auto* rejection = std::get_if<Rejection>(&result)) {
    ADD_FAILURE() << "rejected: " << rejection->detail;
    return T{};
  }
  auto* write = std::get_if<T>(&std::get<DecodedEvent>(result).write);
  if (write == nullptr) {
    ADD_FAILURE() << "decoded to another write type";
    return T{};
  }
  return *write;
}

Rejection RejectionOf(Subject subject, std::string_view payload) {
  auto result = DecodeEvent(subject, payload, kNow);
  if (auto* rejection = std::get_if<Rejection>(&result)) return *rejection;
  ADD_FAILURE() << "accepted: " << payload;
  return Rejection{RejectReason::kCount, ""};
}

TEST(PayloadDecoderTest, UserJoinedAndLeft) {
  EXPECT_EQ(DecodeAs<store::UserJoined>(Subject::kUserJoined, R"({"username":"alice"})").username,
            "alice");
  EXPECT_EQ(DecodeAs<store::UserLeft>(Subject::kUserLeft, R"({"username":"bob","x":1})").username,
            "bob");
}

TEST(PayloadDecoderTest, UsernameMissingEmptyNullOrWrongType) {
  EXPECT_EQ(RejectionOf(Subject::kUserJoined, "{}").reason, RejectReason::kMissingField);
  EXPECT_EQ(RejectionOf(Subject::kUserJoined, R"({"username":null})").reason,
            RejectReason::kMissingField);
  EXPECT_EQ(RejectionOf(Subject::kUserJoined, R"({"username":""})").reason,
            RejectReason::kEmptyField);
  EXPECT_EQ(RejectionOf(Subject::kUserLeft, R"({"username":42})").reason,
            RejectReason::kWrongType);
}

TEST(PayloadDecoderTest, RejectionDetailNamesTheField) {
  EXPECT_NE(RejectionOf(Subject::kMessageLog, R"({"username":"a"})").detail.find("'message'"),
            std::string::npos);
}

TEST(PayloadDecoderTest, MessageLogNeedsBothFields) {
  const auto m = DecodeAs<store::ChatMessage>(Subject::kMessageLog,
                                              R"({"username":"a","message":"hi \u00e9"})");
  EXPECT_EQ(m.username, "a");
  EXPECT_EQ(m.message, "hi \xc3\xa9");
  EXPECT_EQ(RejectionOf(Subject::kMessageLog, R"({"username":"a","message":""})").reason,
            RejectReason::kEmptyField);
  EXPECT_EQ(RejectionOf(Subject::kMessageLog, R"({"message":"x"})").reason,
            RejectReason::kMissingField);
}

TEST(PayloadDecoderTest, MalformedJsonNotObjectAndInvalidUtf8) {
  EXPECT_EQ(RejectionOf(Subject::kMessageLog, R"({"username":)").reason,
            RejectReason::kMalformedJson);
  EXPECT_EQ(RejectionOf(Subject::kMessageLog, "").reason, RejectReason::kMalformedJson);
  EXPECT_EQ(RejectionOf(Subject::kMessageLog, "[1,2]").reason, RejectReason::kNotObject);
  EXPECT_EQ(RejectionOf(Subject::kMessageLog, "\"str\"").reason, RejectReason::kNotObject);
  EXPECT_EQ(RejectionOf(Subject::kMessageLog, "{\"username\":\"a\xff\",\"message\":\"m\"}").reason,
            RejectReason::kMalformedJson);
}

TEST(PayloadDecoderTest, DeeplyNestedPayloadIsRejectedNotCrashed) {
  const auto nested = [](int depth) {
    return R"({"username":"a","extra":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
  };
  const Rejection deep = RejectionOf(Subject::kUserJoined, nested(20000));
  EXPECT_EQ(deep.reason, RejectReason::kMalformedJson);
  EXPECT_NE(deep.detail.find("depth"), std::string::npos) << deep.detail;
  EXPECT_EQ(DecodeAs<store::UserJoined>(Subject::kUserJoined, nested(500)).username, "a");
}

TEST(PayloadDecoderTest, RepeatedKeyCountsWithItsLastValue) {  // as Python's json
  EXPECT_EQ(DecodeAs<store::UserJoined>(Subject::kUserJoined,
                                        R"({"username":"first","username":"last"})")
                .username,
            "last");
}

TEST(PayloadDecoderTest, NumberBeyond64BitsIsOutOfRangeNotMalformed) {
  EXPECT_EQ(RejectionOf(Subject::kUserCount, R"({"chat_count":123456789012345678901234})").reason,
            RejectReason::kOutOfRange);
  EXPECT_EQ(RejectionOf(Subject::kUserCount, R"({"chat_count":01})").reason,
            RejectReason::kMalformedJson);
}

TEST(PayloadDecoderTest, UserCountDefaultsAndTypes) {
  const auto c = DecodeAs<store::UserCount>(Subject::kUserCount, "{}");
  EXPECT_EQ(c.chat_count, 0);
  EXPECT_EQ(c.connected_count, 0);
  const auto d = DecodeAs<store::UserCount>(Subject::kUserCount,
                                            R"({"chat_count":5,"connected_count":9})");
  EXPECT_EQ(d.chat_count, 5);
  EXPECT_EQ(d.connected_count, 9);
  EXPECT_EQ(RejectionOf(Subject::kUserCount, R"({"chat_count":"5"})").reason,
            RejectReason::kWrongType);
  EXPECT_EQ(RejectionOf(Subject::kUserCount, R"({"chat_count":2.5})").reason,
            RejectReason::kWrongType);
  EXPECT_EQ(RejectionOf(Subject::kUserCount, R"({"chat_count":true})").reason,
            RejectReason::kWrongType);
  EXPECT_EQ(RejectionOf(Subject::kUserCount, R"({"chat_count":-1})").reason,
            RejectReason::kOutOfRange);
  EXPECT_EQ(RejectionOf(Subject::kUserCount, R"({"chat_count":99999999999999999999})").reason,
            RejectReason::kOutOfRange);
}

TEST(PayloadDecoderTest, HighWaterConnectedMayBeNull) {
  const auto h = DecodeAs<store::HighWater>(Subject::kHighWater,
                                            R"({"chat_count":7,"connected_count":null})");
  EXPECT_EQ(h.chat_count, 7);
  EXPECT_FALSE(h.connected_count.has_value());
  const auto i = DecodeAs<store::HighWater>(Subject::kHighWater,
                                            R"({"chat_count":7,"connected_count":12})");
  EXPECT_EQ(i.connected_count, 12);
}

TEST(PayloadDecoderTest, StatusUpdateKeepsWhitelistedKeysWithTheirTypes) {
  auto result = DecodeEvent(Subject::kStatusUpdate,
                            R"({"status_data":{"bot_name":"Rosey","bot_rank":3.5,"bot_afk":true,
                                "playlist_items":12,"current_media_title":null,"evil":"x"}})",
                            kNow);
  auto& decoded = std::get<DecodedEvent>(result);
  const auto& update = std::get<store::StatusUpdate>(decoded.write);
  ASSERT_EQ(update.fields.size(), 5u);
  std::map<std::string, store::StatusValue> by_key(update.fields.begin(), update.fields.end());
  EXPECT_EQ(std::get<std::string>(by_key["bot_name"]), "Rosey");
  EXPECT_DOUBLE_EQ(std::get<double>(by_key["bot_rank"]), 3.5);
  EXPECT_EQ(std::get<int64_t>(by_key["bot_afk"]), 1);
  EXPECT_EQ(std::get<int64_t>(by_key["playlist_items"]), 12);
  EXPECT_TRUE(std::holds_alternative<std::monostate>(by_key["current_media_title"]));
  EXPECT_EQ(decoded.ignored_status_keys, std::vector<std::string>{"evil"});
}

TEST(PayloadDecoderTest, StatusUpdateWithoutWhitelistedKeysIsRejected) {
  EXPECT_EQ(RejectionOf(Subject::kStatusUpdate, R"({"status_data":{}})").reason,
            RejectReason::kEmptyField);
  EXPECT_EQ(RejectionOf(Subject::kStatusUpdate, R"({"status_data":{"id":2}})").reason,
            RejectReason::kEmptyField);
  EXPECT_EQ(RejectionOf(Subject::kStatusUpdate, "{}").reason, RejectReason::kMissingField);
  EXPECT_EQ(RejectionOf(Subject::kStatusUpdate, R"({"status_data":[1]})").reason,
            RejectReason::kWrongType);
  EXPECT_EQ(RejectionOf(Subject::kStatusUpdate, R"({"status_data":{"bot_name":{"a":1}}})").reason,
            RejectReason::kWrongType);
}

TEST(PayloadDecoderTest, MarkSentAndMarkFailed) {
  EXPECT_EQ(DecodeAs<store::MarkSent>(Subject::kMarkSent, R"({"message_id":12})").message_id, 12);
  EXPECT_EQ(RejectionOf(Subject::kMarkSent, "{}").reason, RejectReason::kMissingField);
  EXPECT_EQ(RejectionOf(Subject::kMarkSent, R"({"message_id":"12"})").reason,
            RejectReason::kWrongType);
  const auto f = DecodeAs<store::MarkFailed>(
      Subject::kMarkFailed, R"({"message_id":3,"error":"muted","is_permanent":true})");
  EXPECT_EQ(f.message_id, 3);
  EXPECT_EQ(f.error, "muted");
  EXPECT_TRUE(f.is_permanent);
}

TEST(PayloadDecoderTest, PmCommandDetailsAsTheOriginalFormattedThem) {
  const auto a = DecodeAs<store::UserAction>(
      Subject::kPmCommand,
      R"({"username":"mod","command":"skip","args":"now","result":"error","error":"nope"})");
  EXPECT_EQ(a.action_type, "pm_command");
  EXPECT_EQ(a.details, "cmd=skip, args: now, result: error, error: nope");
  const auto b = DecodeAs<store::UserAction>(Subject::kPmCommand,
                                             R"({"username":"mod","command":"help"})");
  EXPECT_EQ(b.details, "cmd=help, result: unknown");
  const auto c = DecodeAs<store::UserAction>(
      Subject::kPmCommand, R"({"username":"m","command":"c","args":"","result":"pending","error":null})");
  EXPECT_EQ(c.details, "cmd=c, result: pending");
}

TEST(PayloadDecoderTest, PmCommandTimestampUsedOnlyWhenSane) {
  const auto sane = DecodeAs<store::UserAction>(
      Subject::kPmCommand, R"({"username":"m","command":"c","timestamp":1699999990.75})");
  EXPECT_EQ(sane.timestamp, 1699999990);
  const auto future = DecodeAs<store::UserAction>(
      Subject::kPmCommand, R"({"username":"m","command":"c","timestamp":1800000000})");
  EXPECT_FALSE(future.timestamp.has_value());
  const auto ancient = DecodeAs<store::UserAction>(
      Subject::kPmCommand, R"({"username":"m","command":"c","timestamp":5})");
  EXPECT_FALSE(ancient.timestamp.has_value());
  EXPECT_EQ(RejectionOf(Subject::kPmCommand, R"({"username":"m","command":"c","timestamp":"x"})")
                .reason,
            RejectReason::kWrongType);
  EXPECT_EQ(RejectionOf(Subject::kPmCommand, R"({"username":"m"})").reason,
            RejectReason::kMissingField);
}

}  // namespace
}  // namespace roseyd::service
