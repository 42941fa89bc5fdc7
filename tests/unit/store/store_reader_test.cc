// The read side (Reader) that both stores must pass, as TEST_P over the
// store: sqlite/sqlite_reader_test.cc instantiates it for SQLite (label
// unit), postgres/pg_reader_test.cc for PostgreSQL (against a server).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/reader.h"
#include "support/status_matchers.h"
#include "unit/store/store_fixture.h"

namespace roseyd::store {
namespace {

// Rows as Rosey's web UI inserts them, straight into the database, plus
// rows in every retry state.
TEST_P(StoreReaderTest, OutboundPendingAppliesSentRetryAndBackoffRules) {
  constexpr int64_t now = 10'000;
  // id, timestamp, message, sent, retry_count, last_error
  InsertOutbound({
      {1, 500, "web ui", false, 0, std::nullopt},
      {2, 100, "sent", true, 0, std::nullopt},
      {3, 200, "too many", false, 3, "x"},
      {4, 9880, "due", false, 1, "timeout"},          // retry 1 waits 2 min: 9880 + 120 = now, due
      {5, 9881, "backing off", false, 1, "timeout"},  // retry 1: 9881 + 120 > now, not yet
      {6, 9760, "due twice", false, 2, "timeout"},    // retry 2 waits 4 min: 9760 + 240 = now
      {7, 50, "oldest", false, 0, std::nullopt},
  });
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

TEST_P(StoreReaderTest, OutboundPendingSeesRowsInsertedByAnotherConnectionAfterOpening) {
  std::vector<OutboundRow> rows;
  ASSERT_OK(reader_->OutboundPending(20, 3, kStoreNow, &rows));
  EXPECT_TRUE(rows.empty());
  InsertOutbound({{std::nullopt, 1, "from the web", false, 0, std::nullopt}});
  ASSERT_OK(reader_->OutboundPending(20, 3, kStoreNow, &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, "from the web");
}

// Back-offs past 2^57 minutes overflow SQLite's integers into reals and
// would overflow PostgreSQL's bigint: never due, and never an error.
TEST_P(StoreReaderTest, HugeRetryCountsAreNeverDueAndNeverAnError) {
  InsertOutbound({{std::nullopt, 0, "r57", false, 57, std::nullopt},
                  {std::nullopt, 0, "r58", false, 58, std::nullopt},
                  {std::nullopt, 0, "r61", false, 61, std::nullopt},
                  {std::nullopt, 0, "new", false, 0, std::nullopt}});
  std::vector<OutboundRow> rows;
  ASSERT_OK(reader_->OutboundPending(50, 62, 2'000'000'000, &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, "new");
}

TEST_P(StoreReaderTest, RecentChatReturnsNewestRowsOldestFirst) {
  Write({EventAt(LogChat{"a", "first", 100}), EventAt(LogChat{"b", "second", 200}),
         EventAt(LogChat{"c", "third", 200}),  // same second: insertion order holds
         EventAt(LogChat{"d", "fourth", 300})});
  std::vector<ChatRow> rows;
  ASSERT_OK(reader_->RecentChat(3, &rows));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].message, "second");
  EXPECT_EQ(rows[1].message, "third");
  EXPECT_EQ(rows[2].message, "fourth");
  EXPECT_EQ(rows[2].timestamp, 300);
  EXPECT_EQ(rows[2].username, "d");
}

TEST_P(StoreReaderTest, RecentMessagesAreNewestFirstWithOffset) {
  std::vector<Event> batch;
  batch.reserve(5);
  for (int i = 0; i < 5; ++i) {
    batch.push_back(EventAt(LogChat{"u" + std::to_string(i), "m" + std::to_string(i), 100 + i}));
  }
  Write(std::move(batch));
  std::vector<RecentMessageRow> rows;
  ASSERT_OK(reader_->RecentMessages(2, 1, &rows));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].message, "m3");
  EXPECT_EQ(rows[0].username, "u3");
  EXPECT_EQ(rows[0].timestamp, 103);
  EXPECT_EQ(rows[1].message, "m2");
  EXPECT_EQ(rows[1].id + 1, rows[0].id);
  ASSERT_OK(reader_->RecentMessages(10, 4, &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, "m0");
}

TEST_P(StoreReaderTest, ChannelStatsReportsHighWaterTopChattersAndUsersSeen) {
  ChannelStats empty;
  ASSERT_OK(reader_->GetChannelStats(&empty));
  EXPECT_EQ(empty.max_users, 0);
  EXPECT_EQ(empty.max_users_timestamp, std::nullopt);
  EXPECT_EQ(empty.max_connected_timestamp, std::nullopt);
  EXPECT_TRUE(empty.top_chatters.empty());
  EXPECT_EQ(empty.total_users_seen, 0);

  std::vector<Event> batch;
  batch.push_back(EventAt(HighWater{8, 30}));
  for (int u = 0; u < 13; ++u) {
    const std::string name = "user" + std::to_string(u);
    batch.push_back(EventAt(UserJoined{name}));
    for (int line = 0; line < u; ++line) batch.push_back(EventAt(ChatMessage{name, "hi"}));
  }
  Write(std::move(batch));
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
  EXPECT_EQ(stats.max_users, 8);
  EXPECT_EQ(stats.max_users_timestamp, kStoreNow);
  EXPECT_EQ(stats.max_connected, 30);
  EXPECT_EQ(stats.max_connected_timestamp, kStoreNow);
  EXPECT_EQ(stats.total_users_seen, 13);
  ASSERT_EQ(stats.top_chatters.size(), 10u);
  EXPECT_EQ(stats.top_chatters[0].username, "user12");
  EXPECT_EQ(stats.top_chatters[0].chat_lines, 12);
  EXPECT_EQ(stats.top_chatters[9].chat_lines, 3);
}

TEST_P(StoreReaderTest, ChannelStatsWithoutAConnectedHighWaterReportsZeroAndNoTime) {
  Write({EventAt(UserJoined{"quiet"}), EventAt(UserJoined{"talker"}),
         EventAt(ChatMessage{"talker", "a"}), EventAt(ChatMessage{"talker", "b"}),
         EventAt(HighWater{5, std::nullopt})});
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
  EXPECT_EQ(stats.max_users, 5);
  EXPECT_EQ(stats.max_users_timestamp, kStoreNow);
  EXPECT_EQ(stats.max_connected, 0);  // NULL in Rosey's schema, 0 in the reply
  EXPECT_EQ(stats.max_connected_timestamp, std::nullopt);
  ASSERT_EQ(stats.top_chatters.size(), 1u);
  EXPECT_EQ(stats.top_chatters[0].username, "talker");
  EXPECT_EQ(stats.top_chatters[0].chat_lines, 2);
  EXPECT_EQ(stats.total_users_seen, 2);
}

TEST_P(StoreReaderTest, ChannelStatsLeavesOutUsersWhoNeverChatted) {
  Write({EventAt(UserJoined{"lurker"}), EventAt(UserJoined{"talker"}),
         EventAt(ChatMessage{"talker", "hello"})});
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
  ASSERT_EQ(stats.top_chatters.size(), 1u);
  EXPECT_EQ(stats.top_chatters[0].username, "talker");
  EXPECT_EQ(stats.total_users_seen, 2);
}

TEST_P(StoreReaderTest, ChannelStatsWithoutItsRowIsAllZero) {
  ASSERT_EQ(Exec("DELETE FROM channel_stats"), "");
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
  EXPECT_EQ(stats.max_users, 0);
  EXPECT_EQ(stats.max_users_timestamp, std::nullopt);
  EXPECT_TRUE(stats.top_chatters.empty());
}

TEST_P(StoreReaderTest, UserStatsFoundAndNotFound) {
  Write({EventAt(UserJoined{"alice"}), EventAt(ChatMessage{"alice", "hi"}, 0, kStoreNow + 3)});
  std::optional<UserStatsRow> row;
  ASSERT_OK(reader_->GetUserStats("alice", &row));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->username, "alice");
  EXPECT_EQ(row->first_seen, kStoreNow);
  EXPECT_EQ(row->last_seen, kStoreNow + 3);
  EXPECT_EQ(row->total_chat_lines, 1);
  EXPECT_EQ(row->total_time_connected, 0);
  EXPECT_EQ(row->current_session_start, kStoreNow);
  ASSERT_OK(reader_->GetUserStats("Alice", &row));  // names are case-sensitive
  EXPECT_FALSE(row.has_value());
  ASSERT_OK(reader_->GetUserStats("nobody", &row));
  EXPECT_FALSE(row.has_value());
  ASSERT_OK(reader_->GetUserStats(std::string("ali\0ce", 6), &row));
  EXPECT_FALSE(row.has_value());
  Write({EventAt(UserLeft{"alice"}, 0, kStoreNow + 10)});
  ASSERT_OK(reader_->GetUserStats("alice", &row));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->current_session_start, std::nullopt);
}

TEST_P(StoreReaderTest, CountRowsAcceptsOnlySchemaTables) {
  int64_t n = -1;
  ASSERT_OK(reader_->CountRows("recent_chat", &n));
  EXPECT_EQ(n, 0);
  Write({EventAt(UserCount{1, 2})});
  ASSERT_OK(reader_->CountRows("user_count_history", &n));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(reader_->CountRows("sqlite_master", &n).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(reader_->CountRows("user_stats; DROP TABLE user_stats", &n).code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(reader_->CountRows("roseyd_meta; DROP TABLE x", &n).code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace roseyd::store
