#include "service/classic_query_handler.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "support/bot_database.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace roseyd::service {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;

class ClassicQueryHandlerTest : public ::testing::Test {
 protected:
  ClassicQueryHandlerTest()
      : db_(StoreConfig{}, dir_.File("rosey.db")), handler_(&db_.reader(), 100) {}

  json Ask(Subject subject, std::string_view payload) {
    last_ = handler_.Handle(subject, payload, kNow);
    return json::parse(last_.reply);
  }

  // Inserts as Rosey's web UI does: straight into the file.
  void Exec(const std::string& sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("rosey.db").c_str(), &raw), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(raw);
  }

  testing::TempDir dir_;
  ::roseyd::testing::BotDatabase db_;
  ClassicQueryHandler handler_;
  RequestOutcome last_;
};

TEST_F(ClassicQueryHandlerTest, UserStatsFound) {
  ASSERT_OK(db_.UserJoined("alice"));
  ASSERT_OK(db_.UserChatMessage("alice", "hello"));
  const json reply = Ask(Subject::kUserStats, R"({"username":"alice"})");
  EXPECT_EQ(reply["username"], "alice");
  EXPECT_EQ(reply["total_chat_lines"], 1);
  EXPECT_EQ(reply["total_time_connected"], 0);
  EXPECT_TRUE(reply["first_seen"].is_number_integer());
  EXPECT_TRUE(reply["last_seen"].is_number_integer());
  EXPECT_TRUE(reply["current_session_start"].is_number_integer());
  EXPECT_EQ(reply["success"], true);
  EXPECT_EQ(reply["found"], true);
  EXPECT_EQ(reply.size(), 8u);
  EXPECT_FALSE(last_.rejection);
}

TEST_F(ClassicQueryHandlerTest, UserStatsNotFound) {
  const json reply = Ask(Subject::kUserStats, R"({"username":"ghost"})");
  EXPECT_EQ(reply, json::parse(R"({"username":"ghost","success":true,"found":false,
                                   "message":"No statistics found for user 'ghost'"})"));
}

TEST_F(ClassicQueryHandlerTest, UserStatsErrorsAsTheOriginal) {
  EXPECT_EQ(Ask(Subject::kUserStats, "not json"),
            json::parse(R"({"success":false,"error":"Invalid request format"})"));
  ASSERT_TRUE(last_.rejection);
  EXPECT_EQ(last_.rejection->reason, RejectReason::kMalformedJson);
  EXPECT_EQ(Ask(Subject::kUserStats, "{}"),
            json::parse(R"({"success":false,"error":"Missing username in request"})"));
  EXPECT_EQ(last_.rejection->reason, RejectReason::kMissingField);
}

TEST_F(ClassicQueryHandlerTest, ChannelStatsShape) {
  ASSERT_OK(db_.UserJoined("a"));
  ASSERT_OK(db_.UserJoined("b"));
  ASSERT_OK(db_.UserJoined("quiet"));
  ASSERT_OK(db_.UserChatMessage("a", "1"));
  ASSERT_OK(db_.UserChatMessage("b", "1"));
  ASSERT_OK(db_.UserChatMessage("b", "2"));
  ASSERT_OK(db_.UpdateHighWaterMark(5, std::nullopt));
  const json reply = Ask(Subject::kChannelStats, "anything at all");  // never parsed
  EXPECT_EQ(reply["high_water_mark"]["users"], 5);
  EXPECT_TRUE(reply["high_water_mark"]["timestamp"].is_number_integer());
  EXPECT_EQ(reply["high_water_connected"]["users"], 0);
  EXPECT_TRUE(reply["high_water_connected"]["timestamp"].is_null());
  EXPECT_EQ(reply["top_chatters"], json::parse(R"([{"username":"b","chat_lines":2},
                                                   {"username":"a","chat_lines":1}])"));
  EXPECT_EQ(reply["total_users_seen"], 3);
  EXPECT_EQ(reply["success"], true);
}

TEST_F(ClassicQueryHandlerTest, RecentChatOldestFirstWithinLimit) {
  Exec(
      "INSERT INTO recent_chat(timestamp, username, message) VALUES "
      "(100,'a','one'),(200,'b','two'),(300,'c','three')");
  const json reply = Ask(Subject::kRecentChatGet, R"({"limit":2})");
  EXPECT_EQ(reply, json::parse(R"([{"timestamp":200,"username":"b","message":"two"},
                                   {"timestamp":300,"username":"c","message":"three"}])"));
}

// A payload that is not JSON gets the original's `[]`; a bad `limit` gets an
// error that says so, since `[]` would read as "no chat".
TEST_F(ClassicQueryHandlerTest, ListQueriesAnswerEmptyListOnUnreadablePayload) {
  for (Subject s : {Subject::kRecentChatGet, Subject::kOutboundGet}) {
    EXPECT_EQ(Ask(s, "{oops"), json::array());
    EXPECT_EQ(last_.rejection->reason, RejectReason::kMalformedJson);
  }
}

TEST_F(ClassicQueryHandlerTest, ListQueriesAnswerAnErrorForABadLimit) {
  const json out_of_range = {{"success", false},
                             {"error", "field 'limit' must be between 0 and 100"}};
  for (Subject s : {Subject::kRecentChatGet, Subject::kOutboundGet}) {
    EXPECT_EQ(Ask(s, R"({"limit":-1})"), out_of_range);
    EXPECT_EQ(last_.rejection->reason, RejectReason::kOutOfRange);
    EXPECT_EQ(Ask(s, R"({"limit":100000000})"), out_of_range);
    EXPECT_EQ(last_.rejection->reason, RejectReason::kOutOfRange);
    EXPECT_EQ(Ask(s, R"({"limit":"5"})"),
              json({{"success", false}, {"error", "field 'limit' must be an integer"}}));
    EXPECT_EQ(last_.rejection->reason, RejectReason::kWrongType);
  }
  EXPECT_EQ(Ask(Subject::kOutboundGet, R"({"max_retries":99})"),
            json({{"success", false}, {"error", "field 'max_retries' must be between 0 and 62"}}));
  EXPECT_EQ(last_.rejection->reason, RejectReason::kOutOfRange);
}

TEST_F(ClassicQueryHandlerTest, OutboundGetAppliesRetryBackoff) {
  // id 1: fresh; id 2: retried once 100 s ago (due after 120 s); id 3: retried
  // once 1000 s ago (due); id 4: sent; id 5: out of retries.
  Exec(
      "INSERT INTO outbound_messages(id, timestamp, message, sent, retry_count, last_error) VALUES "
      "(1, 1699999000, 'fresh', 0, 0, NULL),"
      "(2, 1699999900, 'soon', 0, 1, 'e2'),"
      "(3, 1699998000, 'due', 0, 1, 'e3'),"
      "(4, 1699990000, 'sent', 1, 0, NULL),"
      "(5, 1699990000, 'dead', 0, 3, 'e5')");
  const json reply = Ask(Subject::kOutboundGet, R"({"limit":20,"max_retries":3})");
  ASSERT_EQ(reply.size(), 2u);
  EXPECT_EQ(reply[0], json::parse(R"({"id":3,"timestamp":1699998000,"message":"due",
                                      "retry_count":1,"last_error":"e3"})"));
  EXPECT_EQ(reply[1]["id"], 1);
  EXPECT_TRUE(reply[1]["last_error"].is_null());
}

TEST_F(ClassicQueryHandlerTest, ErrorRepliesForRefusedRequests) {
  EXPECT_EQ(ClassicQueryHandler::ErrorReply(Subject::kOutboundGet, "x"), "[]");
  EXPECT_EQ(json::parse(ClassicQueryHandler::ErrorReply(Subject::kUserStats, "Request too large")),
            json::parse(R"({"success":false,"error":"Request too large"})"));
}

}  // namespace
}  // namespace roseyd::service
