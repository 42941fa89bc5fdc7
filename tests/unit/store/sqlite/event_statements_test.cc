// The SQL of each event type (EventStatements), applied through an
// EventWriter on a SQLite file and checked with a raw connection.
#include "store/sqlite/event_statements.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_reader.h"
#include "unit/writer/writer_fixture.h"

namespace roseyd::store {
namespace {

using EventStatementsTest = WriterTest;

TEST_F(EventStatementsTest, UserJoinedInsertsNewUserWithOpenSession) {
  Commit(UserJoined{"alice"}, kNow);
  EXPECT_EQ(User("alice", "first_seen"), kNow);
  EXPECT_EQ(User("alice", "last_seen"), kNow);
  EXPECT_EQ(User("alice", "current_session_start"), kNow);
  EXPECT_EQ(User("alice", "total_chat_lines"), 0);
  EXPECT_EQ(User("alice", "total_time_connected"), 0);
}

TEST_F(EventStatementsTest, UserJoinedTwiceKeepsFirstSeenAndRestartsSession) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(UserJoined{"alice"}, kNow + 50);
  EXPECT_EQ(Count("user_stats"), 1);
  EXPECT_EQ(User("alice", "first_seen"), kNow);
  EXPECT_EQ(User("alice", "last_seen"), kNow + 50);
  EXPECT_EQ(User("alice", "current_session_start"), kNow + 50);
  EXPECT_EQ(User("alice", "total_time_connected"), 0);
}

TEST_F(EventStatementsTest, UserLeftAddsSessionTimeAndClosesSession) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(UserLeft{"alice"}, kNow + 90);
  EXPECT_EQ(User("alice", "total_time_connected"), 90);
  EXPECT_EQ(User("alice", "last_seen"), kNow + 90);
  EXPECT_EQ(User("alice", "current_session_start"), std::nullopt);
}

TEST_F(EventStatementsTest, UserLeftWithoutOpenSessionChangesNothing) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(UserLeft{"alice"}, kNow + 10);
  Commit(UserLeft{"alice"}, kNow + 500);   // no session open any more
  Commit(UserLeft{"nobody"}, kNow + 500);  // unknown user
  EXPECT_EQ(User("alice", "total_time_connected"), 10);
  EXPECT_EQ(User("alice", "last_seen"), kNow + 10);
  EXPECT_EQ(Count("user_stats"), 1);
}

TEST_F(EventStatementsTest, ChatMessageCountsLineAndLogsIt) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(ChatMessage{"alice", "hello"}, kNow + 5);
  Commit(ChatMessage{"alice", "again"}, kNow + 6);
  EXPECT_EQ(User("alice", "total_chat_lines"), 2);
  EXPECT_EQ(User("alice", "last_seen"), kNow + 6);
  EXPECT_EQ(Count("recent_chat"), 2);
  EXPECT_EQ(raw_->Text("SELECT message FROM recent_chat ORDER BY id DESC"), "again");
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM recent_chat ORDER BY id DESC"), kNow + 6);
}

TEST_F(EventStatementsTest, ChatMessageFromUnknownUserIsLoggedButNotCounted) {
  Commit(ChatMessage{"ghost", "boo"}, kNow);
  EXPECT_EQ(Count("user_stats"), 0);
  EXPECT_EQ(raw_->Text("SELECT username FROM recent_chat"), "ghost");
}

TEST_F(EventStatementsTest, ServerMessagesAreCountedButNeverLogged) {
  Commit(UserJoined{"Server"}, kNow);
  Commit(ChatMessage{"server", "a"}, kNow);
  Commit(ChatMessage{"Server", "b"}, kNow);
  Commit(ChatMessage{"SERVER", "c"}, kNow);
  Commit(ChatMessage{"servers", "d"}, kNow);  // only the exact name is skipped
  EXPECT_EQ(User("Server", "total_chat_lines"), 1);
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(raw_->Text("SELECT username FROM recent_chat"), "servers");
}

TEST_F(EventStatementsTest, EmptyChatMessageIsCountedButNotLogged) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(ChatMessage{"alice", ""}, kNow);
  EXPECT_EQ(User("alice", "total_chat_lines"), 1);
  EXPECT_EQ(Count("recent_chat"), 0);
}

TEST_F(EventStatementsTest, UserCountAppendsHistoryRow) {
  Commit(UserCount{12, 40}, kNow);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM user_count_history"), kNow);
  EXPECT_EQ(raw_->Int("SELECT chat_users FROM user_count_history"), 12);
  EXPECT_EQ(raw_->Int("SELECT connected_users FROM user_count_history"), 40);
}

TEST_F(EventStatementsTest, HighWaterIsRaisedOnlyWhenExceeded) {
  Commit(HighWater{10, 20}, kNow);
  Commit(HighWater{5, 15}, kNow + 1);   // both lower: unchanged
  Commit(HighWater{10, 20}, kNow + 2);  // equal: unchanged
  EXPECT_EQ(raw_->Int("SELECT max_users FROM channel_stats"), 10);
  EXPECT_EQ(raw_->Int("SELECT max_users_timestamp FROM channel_stats"), kNow);
  EXPECT_EQ(raw_->Int("SELECT max_connected FROM channel_stats"), 20);
  EXPECT_EQ(raw_->Int("SELECT max_connected_timestamp FROM channel_stats"), kNow);
  EXPECT_EQ(raw_->Int("SELECT last_updated FROM channel_stats"), kNow);
  Commit(HighWater{11, 19}, kNow + 3);  // users only
  EXPECT_EQ(raw_->Int("SELECT max_users FROM channel_stats"), 11);
  EXPECT_EQ(raw_->Int("SELECT max_users_timestamp FROM channel_stats"), kNow + 3);
  EXPECT_EQ(raw_->Int("SELECT max_connected_timestamp FROM channel_stats"), kNow);
  EXPECT_EQ(raw_->Int("SELECT last_updated FROM channel_stats"), kNow + 3);
}

TEST_F(EventStatementsTest, HighWaterWithNullConnectedLeavesConnectedAlone) {
  Commit(HighWater{7, std::nullopt}, kNow);
  EXPECT_EQ(raw_->Int("SELECT max_users FROM channel_stats"), 7);
  EXPECT_EQ(raw_->Int("SELECT max_connected FROM channel_stats"), 0);
  EXPECT_EQ(raw_->Int("SELECT max_connected_timestamp FROM channel_stats"), std::nullopt);
}

TEST_F(EventStatementsTest, StatusUpdateStoresEachTypeAndSetsLastUpdated) {
  Commit(StatusUpdate{{{"bot_name", std::string("Rosey")},
                       {"bot_rank", 3.5},
                       {"current_chat_users", int64_t{42}},
                       {"current_media_title", std::monostate{}}}},
         kNow + 7);
  EXPECT_EQ(raw_->Text("SELECT bot_name FROM current_status"), "Rosey");
  EXPECT_EQ(raw_->Double("SELECT bot_rank FROM current_status"), 3.5);
  EXPECT_EQ(raw_->Type("SELECT current_chat_users FROM current_status"), SQLITE_INTEGER);
  EXPECT_EQ(raw_->Int("SELECT current_chat_users FROM current_status"), 42);
  EXPECT_EQ(raw_->Type("SELECT current_media_title FROM current_status"), SQLITE_NULL);
  EXPECT_EQ(raw_->Int("SELECT last_updated FROM current_status"), kNow + 7);
  EXPECT_EQ(Count("current_status"), 1);
}

TEST_F(EventStatementsTest, StatusUpdateTouchesOnlyItsColumns) {
  Commit(StatusUpdate{{{"bot_name", std::string("Rosey")}, {"playlist_items", int64_t{3}}}});
  Commit(StatusUpdate{{{"playlist_items", int64_t{4}}}}, kNow + 10);
  Commit(StatusUpdate{{{"playlist_items", int64_t{5}}}}, kNow + 20);  // cached statement
  EXPECT_EQ(raw_->Text("SELECT bot_name FROM current_status"), "Rosey");
  EXPECT_EQ(raw_->Int("SELECT playlist_items FROM current_status"), 5);
  EXPECT_EQ(raw_->Int("SELECT last_updated FROM current_status"), kNow + 20);
}

TEST_F(EventStatementsTest, StatusUpdateWithUnlistedColumnIsRejected) {
  Commit(StatusUpdate{{{"bot_name", std::string("x")}, {"id = 2; --", int64_t{1}}}});
  ASSERT_EQ(listener_.rejections().size(), 1u);
  EXPECT_EQ(listener_.rejections()[0].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(raw_->Text("SELECT bot_name FROM current_status"), std::nullopt);
  EXPECT_EQ(Count("current_status"), 1);
}

class OutboundTest : public EventStatementsTest {
 protected:
  void SetUp() override {
    EventStatementsTest::SetUp();
    ASSERT_EQ(raw_->Exec("INSERT INTO outbound_messages (id, timestamp, message, sent) "
                         "VALUES (7, 100, 'hi', 0)"),
              "");
  }
  std::optional<int64_t> Field(const std::string& column) {
    return raw_->Int("SELECT " + column + " FROM outbound_messages WHERE id = 7");
  }
};

TEST_F(OutboundTest, MarkSentSetsSentAndTimestamp) {
  Commit(MarkSent{7}, kNow);
  EXPECT_EQ(Field("sent"), 1);
  EXPECT_EQ(Field("sent_timestamp"), kNow);
  EXPECT_EQ(Field("retry_count"), 0);
}

TEST_F(OutboundTest, TransientFailureCountsRetryAndKeepsMessageQueued) {
  Commit(MarkFailed{7, "timeout", false}, kNow);
  Commit(MarkFailed{7, "timeout again", false}, kNow);
  EXPECT_EQ(Field("sent"), 0);
  EXPECT_EQ(Field("sent_timestamp"), std::nullopt);
  EXPECT_EQ(Field("retry_count"), 2);
  EXPECT_EQ(raw_->Text("SELECT last_error FROM outbound_messages WHERE id = 7"), "timeout again");
}

TEST_F(OutboundTest, PermanentFailureMarksSentToStopRetries) {
  Commit(MarkFailed{7, "muted", true}, kNow);
  EXPECT_EQ(Field("sent"), 1);
  EXPECT_EQ(Field("sent_timestamp"), kNow);
  EXPECT_EQ(Field("retry_count"), 1);
  EXPECT_EQ(raw_->Text("SELECT last_error FROM outbound_messages WHERE id = 7"), "muted");
}

TEST_F(OutboundTest, MarkingAnUnknownIdChangesNothing) {
  Commit(MarkSent{999}, kNow);
  EXPECT_EQ(Field("sent"), 0);
  EXPECT_TRUE(listener_.rejections().empty());
}

TEST_F(EventStatementsTest, UserActionUsesItsOwnTimestampWhenSet) {
  Commit(UserAction{"bob", "pm_command", "cmd=stats, result: pending", kNow - 3}, kNow);
  Commit(UserAction{"bob", "pm_command", "cmd=stats, result: success", std::nullopt}, kNow);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM user_actions WHERE id = 1"), kNow - 3);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM user_actions WHERE id = 2"), kNow);
  EXPECT_EQ(raw_->Text("SELECT username FROM user_actions WHERE id = 2"), "bob");
  EXPECT_EQ(raw_->Text("SELECT action_type FROM user_actions WHERE id = 2"), "pm_command");
  EXPECT_EQ(raw_->Text("SELECT details FROM user_actions WHERE id = 2"),
            "cmd=stats, result: success");
}

TEST_F(EventStatementsTest, LogChatInsertsPlainRowWithItsTimestamp) {
  Commit(LogChat{"server", "not filtered here", kNow - 60}, kNow);
  Commit(LogChat{"carol", "hi", std::nullopt}, kNow);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM recent_chat WHERE username = 'server'"), kNow - 60);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM recent_chat WHERE username = 'carol'"), kNow);
  EXPECT_EQ(Count("user_stats"), 0);
}

TEST_F(EventStatementsTest, InjectionStringsInEveryTextFieldLandVerbatim) {
  const std::vector<std::string> nasty = {"'; DROP TABLE user_stats; --",
                                          "Robert'); DELETE FROM recent_chat;--",
                                          "\" OR 1=1 --",
                                          std::string("nul\0byte", 8),
                                          "ünïcødé ☃ 🎉",
                                          "%s%n\\x00"};
  for (const std::string& s : nasty) {
    Commit(UserJoined{s});
    Commit(ChatMessage{s, s});
    Commit(LogChat{s, s, std::nullopt});
    Commit(UserAction{s, s, s, std::nullopt});
    Commit(StatusUpdate{{{"bot_name", s}, {"channel_name", s}, {"current_media_title", s}}});
    EXPECT_EQ(raw_->Text("SELECT bot_name FROM current_status"), s);
    EXPECT_EQ(raw_->Text("SELECT channel_name FROM current_status"), s);
    EXPECT_EQ(raw_->Text("SELECT current_media_title FROM current_status"), s);
    EXPECT_EQ(raw_->Text("SELECT message FROM recent_chat ORDER BY id DESC"), s);
    EXPECT_EQ(raw_->Text("SELECT username FROM recent_chat ORDER BY id DESC"), s);
    EXPECT_EQ(raw_->Text("SELECT details FROM user_actions ORDER BY id DESC"), s);
    EXPECT_EQ(raw_->Text("SELECT action_type FROM user_actions ORDER BY id DESC"), s);
  }
  ASSERT_EQ(raw_->Exec("INSERT INTO outbound_messages (id, timestamp, message) VALUES (1, 1, 'm')"),
            "");
  Commit(MarkFailed{1, nasty[0], false});
  EXPECT_EQ(raw_->Text("SELECT last_error FROM outbound_messages"), nasty[0]);
  EXPECT_EQ(Count("user_stats"), static_cast<int64_t>(nasty.size()));
  EXPECT_EQ(Count("recent_chat"), static_cast<int64_t>(2 * nasty.size()));
  SqliteReader reader(path(), std::chrono::milliseconds(1000));
  for (const std::string& s : nasty) {
    std::optional<UserStatsRow> row;
    ASSERT_OK(reader.GetUserStats(s, &row));
    ASSERT_TRUE(row.has_value()) << s;
    EXPECT_EQ(row->username, s);
    EXPECT_EQ(row->total_chat_lines, 1);
  }
  EXPECT_TRUE(listener_.rejections().empty());
}

}  // namespace
}  // namespace roseyd::store
