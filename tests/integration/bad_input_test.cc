// Hostile and broken input over real NATS: each case gets the protocol's
// error reply or is dropped and counted, nothing else is lost, and roseyd
// keeps running.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

class BadInputTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    world_.StartNats();
    world_.StartRoseyd({"--set", "service.max_payload_bytes=4096"});
  }

  double Rejected(const std::string& subject, const std::string& reason) {
    return world_.Metric("roseyd_events_rejected_total{reason=\"" + reason + "\",subject=\"" +
                         subject + "\"}");
  }
  double RequestRejected(const std::string& subject, const std::string& reason) {
    return world_.Metric("roseyd_requests_rejected_total{reason=\"" + reason + "\",subject=\"" +
                         subject + "\"}");
  }

  // Publishes a good event, then `bad`, then another good event; checks that
  // both good ones landed and `bad` was counted under `reason`.
  void ExpectDroppedAndCounted(const std::string& suffix, const std::string& bad,
                               const std::string& reason) {
    SCOPED_TRACE(suffix + " " + bad.substr(0, 80));
    const double before = std::max(0.0, Rejected(suffix, reason));
    const int64_t rows = world_.QueryInt("SELECT COUNT(*) FROM user_count_history");
    // Good under both stores' schemas (Rosey's wants connected >= chat).
    world_.Publish("rosey.db.stats.user_count", R"({"chat_count":1,"connected_count":1})");
    world_.Publish("rosey.db." + suffix, bad);
    world_.Publish("rosey.db.stats.user_count", R"({"chat_count":2,"connected_count":2})");
    world_.Request("rosey.db.query.channel_stats", "{}");  // waits for the commit
    EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_count_history"), rows + 2);
    EXPECT_EQ(Rejected(suffix, reason), before + 1);
    EXPECT_TRUE(world_.RoseydRunning());
  }

  RoseydWorld world_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, BadInputTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(BadInputTest, MalformedJson) {
  ExpectDroppedAndCounted("message.log", R"({"username": "a", "message": )", "malformed_json");
  ExpectDroppedAndCounted("user.joined", "", "malformed_json");
}

TEST_P(BadInputTest, InvalidUtf8) {
  ExpectDroppedAndCounted("message.log", "{\"username\":\"a\",\"message\":\"\xc3\x28\"}",
                          "malformed_json");
}

TEST_P(BadInputTest, NotAnObject) {
  ExpectDroppedAndCounted("user.joined", R"(["alice"])", "not_object");
}

TEST_P(BadInputTest, WrongTypes) {
  ExpectDroppedAndCounted("user.joined", R"({"username":7})", "wrong_type");
  ExpectDroppedAndCounted("stats.user_count", R"({"chat_count":"many"})", "wrong_type");
  ExpectDroppedAndCounted("messages.outbound.mark_sent", R"({"message_id":1.5})", "wrong_type");
}

TEST_P(BadInputTest, MissingAndEmptyFields) {
  ExpectDroppedAndCounted("message.log", R"({"username":"a"})", "missing_field");
  ExpectDroppedAndCounted("user.left", R"({"username":""})", "empty_field");
  ExpectDroppedAndCounted("action.pm_command", R"({"username":"a"})", "missing_field");
  ExpectDroppedAndCounted("status.update", R"({"status_data":{}})", "empty_field");
}

TEST_P(BadInputTest, OutOfRange) {
  ExpectDroppedAndCounted("stats.high_water", R"({"chat_count":-5})", "out_of_range");
}

TEST_P(BadInputTest, OversizedPayload) {
  const std::string big = R"({"username":"a","message":")" + std::string(5000, 'x') + "\"}";
  ExpectDroppedAndCounted("message.log", big, "oversized");
  const std::string reply =
      world_.Request("rosey.db.query.user_stats", R"({"username":")" + std::string(5000, 'u') + "\"}");
  EXPECT_EQ(json::parse(reply), json::parse(R"({"success":false,"error":"Request too large"})"));
}

TEST_P(BadInputTest, DeeplyNestedPayload) {
  const auto nested = [](const char* username, int depth) {
    return R"({"username":")" + std::string(username) + R"(","x":)" + std::string(depth, '[') +
           std::string(depth, ']') + "}";
  };
  // Nesting up to the parser's depth limit (1024) is accepted, the extra field ignored
  // (the fixture caps payloads at 4096 bytes).
  world_.Publish("rosey.db.user.joined", nested("a", 1000));
  world_.Request("rosey.db.query.channel_stats", "{}");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_stats WHERE username='a'"), 1);
  // Deeper is refused rather than recursed into.
  ExpectDroppedAndCounted("user.joined", nested("b", 1030), "malformed_json");
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_stats WHERE username='b'"), 0);
}

// The event applies, so nothing is rejected (no RoseydEventsRejected alert):
// the dropped keys have their own counter.
TEST_P(BadInputTest, UnknownStatusKeysAreDroppedButTheRestApplied) {
  const double before = world_.Metric("roseyd_status_keys_ignored_total");
  world_.Publish("rosey.db.status.update",
                 R"({"status_data":{"bot_name":"R","id":5,"sql":"x'; DROP TABLE user_stats;--"}})");
  world_.Request("rosey.db.query.channel_stats", "{}");
  EXPECT_EQ(world_.Metric("roseyd_status_keys_ignored_total"), before + 2);
  EXPECT_EQ(world_.Scrape().find("roseyd_events_rejected_total{"), std::string::npos)
      << "no event was rejected";
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM current_status WHERE id=1 AND bot_name='R'"), 1);
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM current_status"), 1);
}

TEST_P(BadInputTest, InjectionStringsLandVerbatim) {
  const std::string evil = "x'); DROP TABLE recent_chat; --\"";
  world_.Publish("rosey.db.user.joined", json{{"username", evil}}.dump());
  world_.Publish("rosey.db.message.log", json{{"username", evil}, {"message", evil}}.dump());
  const json stats = json::parse(
      world_.Request("rosey.db.query.user_stats", json{{"username", evil}}.dump()));
  EXPECT_EQ(stats["username"], evil);
  EXPECT_EQ(stats["total_chat_lines"], 1);
  const json chat = json::parse(world_.Request("rosey.db.stats.recent_chat.get", "{}"));
  ASSERT_EQ(chat.size(), 1u);
  EXPECT_EQ(chat[0]["message"], evil);
}

// `[]` would read as "no chat": a bad limit gets the classic error shape. A
// payload that is not JSON keeps the original's `[]`.
TEST_P(BadInputTest, RequestsWithBadLimitsGetAnErrorReply) {
  const json out_of_range = {{"success", false},
                             {"error", "field 'limit' must be between 0 and 1000"}};
  for (const char* subject : {"rosey.db.stats.recent_chat.get", "rosey.db.messages.outbound.get"}) {
    EXPECT_EQ(json::parse(world_.Request(subject, R"({"limit":-1})")), out_of_range);
    EXPECT_EQ(json::parse(world_.Request(subject, R"({"limit":999999999999})")), out_of_range);
    EXPECT_EQ(world_.Request(subject, "nope"), "[]");
  }
  EXPECT_EQ(RequestRejected("stats.recent_chat.get", "out_of_range"), 2);
  EXPECT_EQ(RequestRejected("messages.outbound.get", "malformed_json"), 1);
  EXPECT_EQ(world_.Scrape().find("roseyd_events_rejected_total{"), std::string::npos)
      << "requests are not counted as rejected events";
}

TEST_P(BadInputTest, UnknownSubjectAndMissingReplyAreCounted) {
  world_.Publish("rosey.db.no.such.thing", "{}");
  world_.Publish("rosey.db.query.user_stats", R"({"username":"a"})");  // no reply inbox
  world_.Request("rosey.db.query.channel_stats", "{}");
  EXPECT_TRUE(RoseydWorld::WaitFor([&] {
    return Rejected("unknown", "unknown_subject") == 1 &&
           RequestRejected("query.user_stats", "no_reply_subject") == 1;
  }));
  EXPECT_EQ(Rejected("query.user_stats", "no_reply_subject"), -1) << "a request, not an event";
}

// A request on a subject the API lacks is answered at once, instead of
// leaving the client to time out.
TEST_P(BadInputTest, RequestOnAnUnknownSubjectGetsAnErrorReply) {
  const json reply = json::parse(world_.Request("rosey.db.query.nope", "{}"));
  EXPECT_EQ(reply, json({{"success", false}, {"error", "Unknown subject 'rosey.db.query.nope'"}}));
  EXPECT_EQ(RequestRejected("unknown", "unknown_subject"), 1);
  EXPECT_EQ(Rejected("unknown", "unknown_subject"), -1);
}

TEST_P(BadInputTest, RejectionsAreLoggedRateLimited) {
  for (int i = 0; i < 200; ++i) world_.Publish("rosey.db.user.joined", "{}");
  world_.Request("rosey.db.query.channel_stats", "{}");
  const std::string log = world_.Log();
  size_t lines = 0;
  for (size_t at = 0; (at = log.find("rejected user.joined", at)) != std::string::npos; ++at) {
    ++lines;
  }
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 3u);
  EXPECT_EQ(Rejected("user.joined", "missing_field"), 200);
}

}  // namespace
}  // namespace roseyd::testing
