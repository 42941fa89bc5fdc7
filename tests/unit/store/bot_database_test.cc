#include "support/bot_database.h"

#include <gtest/gtest.h>

#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"

namespace roseyd::store {
namespace {

using ::roseyd::testing::BotDatabase;

TEST(BotDatabaseTest, WritesAreVisibleWhenTheCallReturns) {
  testing::TempDir dir;
  BotDatabase db(StoreConfig{}, dir.File("rosey.db"));
  ASSERT_OK(db.UserJoined("alice"));
  ASSERT_OK(db.UserChatMessage("alice", "hello"));
  ASSERT_OK(db.LogUserCount(3, 9));
  ASSERT_OK(db.UpdateHighWaterMark(3, 9));
  std::optional<UserStatsRow> row;
  ASSERT_OK(db.reader().GetUserStats("alice", &row));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->total_chat_lines, 1);
  ChannelStats stats;
  ASSERT_OK(db.reader().GetChannelStats(&stats));
  EXPECT_EQ(stats.max_connected, 9);
  int64_t n = 0;
  ASSERT_OK(db.reader().CountRows("user_count_history", &n));
  EXPECT_EQ(n, 1);
}

TEST(BotDatabaseTest, GetRecentMessagesPagesNewestFirst) {
  testing::TempDir dir;
  BotDatabase db(StoreConfig{}, dir.File("rosey.db"));
  for (int i = 0; i < 6; ++i) ASSERT_OK(db.LogChat("u", "m" + std::to_string(i), 1000 + i));
  std::vector<RecentMessageRow> rows;
  ASSERT_OK(db.GetRecentMessages(100, 0, &rows));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows.front().message, "m5");
  ASSERT_OK(db.GetRecentMessages(2, 2, &rows));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].message, "m3");
  EXPECT_EQ(rows[1].message, "m2");
}

TEST(BotDatabaseTest, ARefusedRowIsReportedToTheCaller) {
  testing::TempDir dir;
  BotDatabase db(StoreConfig{}, dir.File("rosey.db"));
  RawSqlite raw(dir.File("rosey.db"));
  ASSERT_EQ(raw.Exec("CREATE TRIGGER refuse BEFORE INSERT ON recent_chat WHEN "
                     "NEW.message = 'refused' BEGIN SELECT RAISE(ABORT, 'refused row'); END;"),
            "");
  const Status refused = db.LogChat("u", "refused");
  EXPECT_EQ(refused.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(refused.message().find("refused row"), std::string::npos) << refused.ToString();
  EXPECT_OK(db.LogChat("u", "accepted"));  // the next call is unaffected
}

TEST(BotDatabaseTest, MarkOutboundSentUpdatesTheRow) {
  testing::TempDir dir;
  BotDatabase db(StoreConfig{}, dir.File("rosey.db"));
  RawSqlite raw(dir.File("rosey.db"));
  ASSERT_EQ(raw.Exec("INSERT INTO outbound_messages (id, timestamp, message) VALUES (5, 1, 'm')"),
            "");
  ASSERT_OK(db.MarkOutboundSent(5));
  EXPECT_EQ(raw.Int("SELECT sent FROM outbound_messages WHERE id = 5"), 1);
  EXPECT_TRUE(raw.Int("SELECT sent_timestamp FROM outbound_messages WHERE id = 5").has_value());
}

TEST(BotDatabaseTest, DestructorClosesOpenSessions) {
  testing::TempDir dir;
  {
    BotDatabase db(StoreConfig{}, dir.File("rosey.db"));
    ASSERT_OK(db.UserJoined("alice"));
    ASSERT_OK(db.UserJoined("bob"));
    ASSERT_OK(db.UserLeft("bob"));
  }
  RawSqlite raw(dir.File("rosey.db"));
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM user_stats WHERE current_session_start IS NOT NULL"), 0);
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM user_stats"), 2);
}

}  // namespace
}  // namespace roseyd::store
