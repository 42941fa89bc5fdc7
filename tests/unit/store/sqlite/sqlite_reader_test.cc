#include "store/sqlite/sqlite_reader.h"

#include <chrono>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "unit/writer/writer_fixture.h"

namespace roseyd::store {
namespace {

class ReaderTest : public WriterTest {
 protected:
  void SetUp() override {
    WriterTest::SetUp();
    reader_ = std::make_unique<SqliteReader>(path(), std::chrono::milliseconds(1000));
  }
  void TearDown() override { reader_.reset(); }

  std::unique_ptr<Reader> reader_;
};

// Rows as Rosey's web UI inserts them, straight into the shared file, plus
// rows in every retry state.
TEST_F(ReaderTest, OutboundPendingAppliesSentRetryAndBackoffRules) {
  constexpr int64_t now = 10'000;
  ASSERT_EQ(raw_->Exec("INSERT INTO outbound_messages (id, timestamp, message, sent) VALUES "
                       "(1, 500, 'web ui', 0);"
                       "INSERT INTO outbound_messages (id, timestamp, message, sent, retry_count,"
                       " last_error) VALUES "
                       "(2, 100, 'sent', 1, 0, NULL),"
                       "(3, 200, 'too many', 0, 3, 'x'),"
                       // retry 1 waits 2 min: 9880 + 120 = now, due
                       "(4, 9880, 'due', 0, 1, 'timeout'),"
                       // retry 1: 9881 + 120 > now, not yet
                       "(5, 9881, 'backing off', 0, 1, 'timeout'),"
                       // retry 2 waits 4 min: 9760 + 240 = now, due
                       "(6, 9760, 'due twice', 0, 2, 'timeout'),"
                       "(7, 50, 'oldest', 0, 0, NULL)"),
            "");
  std::vector<OutboundRow> rows;
  ASSERT_OK(reader_->OutboundPending(50, 3, now, &rows));
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].id, 7);  // oldest first
  EXPECT_EQ(rows[1].id, 1);
  EXPECT_EQ(rows[1].message, "web ui");
  EXPECT_EQ(rows[1].retry_count, 0);
  EXPECT_EQ(rows[1].last_error, std::nullopt);
  EXPECT_EQ(rows[2].id, 6);
  EXPECT_EQ(rows[3].id, 4);
  EXPECT_EQ(rows[3].last_error, "timeout");
  ASSERT_OK(reader_->OutboundPending(2, 3, now, &rows));
  EXPECT_EQ(rows.size(), 2u);
  ASSERT_OK(reader_->OutboundPending(50, 1, now, &rows));  // only never-tried rows
  EXPECT_EQ(rows.size(), 2u);
}

TEST_F(ReaderTest, OutboundPendingSeesRowsInsertedByAnotherConnectionAfterOpening) {
  std::vector<OutboundRow> rows;
  ASSERT_OK(reader_->OutboundPending(20, 3, kNow, &rows));
  EXPECT_TRUE(rows.empty());
  ASSERT_EQ(raw_->Exec("INSERT INTO outbound_messages (timestamp, message, sent) "
                       "VALUES (1, 'from the web', 0)"),
            "");
  ASSERT_OK(reader_->OutboundPending(20, 3, kNow, &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, "from the web");
}

TEST_F(ReaderTest, RecentChatReturnsNewestRowsOldestFirst) {
  Commit(LogChat{"a", "first", 100});
  Commit(LogChat{"b", "second", 200});
  Commit(LogChat{"c", "third", 200});  // same second: insertion order holds
  Commit(LogChat{"d", "fourth", 300});
  std::vector<ChatRow> rows;
  ASSERT_OK(reader_->RecentChat(3, &rows));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].message, "second");
  EXPECT_EQ(rows[1].message, "third");
  EXPECT_EQ(rows[2].message, "fourth");
  EXPECT_EQ(rows[2].timestamp, 300);
  EXPECT_EQ(rows[2].username, "d");
}

TEST_F(ReaderTest, RecentMessagesAreNewestFirstWithOffset) {
  for (int i = 0; i < 5; ++i) Commit(LogChat{"u", "m" + std::to_string(i), 100 + i});
  std::vector<RecentMessageRow> rows;
  ASSERT_OK(reader_->RecentMessages(2, 1, &rows));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].message, "m3");
  EXPECT_EQ(rows[0].timestamp, 103);
  EXPECT_EQ(rows[1].message, "m2");
  EXPECT_GT(rows[0].id, rows[1].id);
  ASSERT_OK(reader_->RecentMessages(10, 4, &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, "m0");
}

TEST_F(ReaderTest, ChannelStatsReportsHighWaterTopChattersAndUsersSeen) {
  ChannelStats empty;
  ASSERT_OK(reader_->GetChannelStats(&empty));
  EXPECT_EQ(empty.max_users, 0);
  EXPECT_EQ(empty.max_users_timestamp, std::nullopt);
  EXPECT_EQ(empty.max_connected_timestamp, std::nullopt);
  EXPECT_TRUE(empty.top_chatters.empty());
  EXPECT_EQ(empty.total_users_seen, 0);

  Commit(HighWater{8, 30}, kNow);
  for (int u = 0; u < 13; ++u) {
    const std::string name = "user" + std::to_string(u);
    Commit(UserJoined{name});
    for (int line = 0; line < u; ++line) Commit(ChatMessage{name, "hi"});
  }
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
  EXPECT_EQ(stats.max_users, 8);
  EXPECT_EQ(stats.max_users_timestamp, kNow);
  EXPECT_EQ(stats.max_connected, 30);
  EXPECT_EQ(stats.max_connected_timestamp, kNow);
  EXPECT_EQ(stats.total_users_seen, 13);
  ASSERT_EQ(stats.top_chatters.size(), 10u);
  EXPECT_EQ(stats.top_chatters[0].username, "user12");
  EXPECT_EQ(stats.top_chatters[0].chat_lines, 12);
  EXPECT_EQ(stats.top_chatters[9].chat_lines, 3);
}

TEST_F(ReaderTest, ChannelStatsLeavesOutUsersWhoNeverChatted) {
  Commit(UserJoined{"lurker"});
  Commit(UserJoined{"talker"});
  Commit(ChatMessage{"talker", "hello"});
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
  ASSERT_EQ(stats.top_chatters.size(), 1u);
  EXPECT_EQ(stats.top_chatters[0].username, "talker");
  EXPECT_EQ(stats.total_users_seen, 2);
}

TEST_F(ReaderTest, UserStatsFoundAndNotFound) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(ChatMessage{"alice", "hi"}, kNow + 3);
  std::optional<UserStatsRow> row;
  ASSERT_OK(reader_->GetUserStats("alice", &row));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->username, "alice");
  EXPECT_EQ(row->first_seen, kNow);
  EXPECT_EQ(row->last_seen, kNow + 3);
  EXPECT_EQ(row->total_chat_lines, 1);
  EXPECT_EQ(row->total_time_connected, 0);
  EXPECT_EQ(row->current_session_start, kNow);
  ASSERT_OK(reader_->GetUserStats("Alice", &row));  // names are case-sensitive
  EXPECT_FALSE(row.has_value());
  Commit(UserLeft{"alice"}, kNow + 10);
  ASSERT_OK(reader_->GetUserStats("alice", &row));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->current_session_start, std::nullopt);
}

TEST_F(ReaderTest, CountRowsAcceptsOnlySchemaTables) {
  Commit(UserCount{1, 2});
  int64_t n = -1;
  ASSERT_OK(reader_->CountRows("user_count_history", &n));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(reader_->CountRows("sqlite_master", &n).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(reader_->CountRows("user_stats; DROP TABLE user_stats", &n).code(),
            Status::Code::kInvalidArgument);
}

TEST(ReaderOpenTest, MissingFileThrowsStartupErrorWithPath) {
  testing::TempDir dir;
  const std::string path = dir.File("absent.db");
  try {
    SqliteReader reader(path, std::chrono::milliseconds(100));
    FAIL() << "opened a file that does not exist";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roseyd::store
