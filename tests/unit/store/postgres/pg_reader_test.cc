#include "store/postgres/pg_reader.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "store/postgres/pg_writer.h"
#include "support/status_matchers.h"
#include "unit/store/postgres/pg_fixture.h"

namespace roseyd::store {
namespace {

class PgReaderTest : public PgTest {
 protected:
  void SetUp() override {
    { PostgresWriter make_the_schema(url(), "ROSEY_DB"); }
    reader_ = std::make_unique<PostgresReader>(url());
  }

  void Write(std::vector<Event> batch) {
    PostgresWriter writer(url(), "ROSEY_DB");
    std::vector<Rejection> rejected;
    ASSERT_OK(writer.ApplyBatch(batch, &rejected));
    ASSERT_TRUE(rejected.empty());
  }

  std::unique_ptr<PostgresReader> reader_;
};

// Rows as Rosey's web UI inserts them, plus rows in every retry state.
TEST_F(PgReaderTest, OutboundPendingAppliesSentRetryAndBackoffRules) {
  constexpr int64_t now = 10'000;
  ASSERT_EQ(client_.Exec("INSERT INTO outbound_messages (id, \"timestamp\", message, sent,"
                         " retry_count, error_message) VALUES "
                         "(1, 500, 'web ui', false, 0, NULL),"
                         "(2, 100, 'sent', true, 0, NULL),"
                         "(3, 200, 'too many', false, 3, 'x'),"
                         // retry 1 waits 2 min: 9880 + 120 = now, due
                         "(4, 9880, 'due', false, 1, 'timeout'),"
                         // retry 1: 9881 + 120 > now, not yet
                         "(5, 9881, 'backing off', false, 1, 'timeout'),"
                         // retry 2 waits 4 min: 9760 + 240 = now, due
                         "(6, 9760, 'due twice', false, 2, 'timeout'),"
                         "(7, 50, 'oldest', false, 0, NULL)"),
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

// Back-offs past 2^57 minutes overflowed SQLite's integers into reals: never
// due. Here they must neither overflow bigint nor come due.
TEST_F(PgReaderTest, HugeRetryCountsAreNeverDueAndNeverAnError) {
  ASSERT_EQ(client_.Exec("INSERT INTO outbound_messages (\"timestamp\", message, retry_count)"
                         " VALUES (0, 'r57', 57), (0, 'r58', 58), (0, 'r61', 61), (0, 'new', 0)"),
            "");
  std::vector<OutboundRow> rows;
  ASSERT_OK(reader_->OutboundPending(50, 62, 2'000'000'000, &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message, "new");
}

TEST_F(PgReaderTest, RecentChatIsNewestRowsOldestFirstAndMessagesNewestFirst) {
  Write({PgEventAt(LogChat{"a", "first", 100}), PgEventAt(LogChat{"b", "same second 1", 200}),
         PgEventAt(LogChat{"c", "same second 2", 200}), PgEventAt(LogChat{"d", "last", 300})});
  std::vector<ChatRow> chat;
  ASSERT_OK(reader_->RecentChat(3, &chat));
  ASSERT_EQ(chat.size(), 3u);
  EXPECT_EQ(chat[0].message, "same second 1");
  EXPECT_EQ(chat[1].message, "same second 2");
  EXPECT_EQ(chat[2].message, "last");
  EXPECT_EQ(chat[2].timestamp, 300);
  std::vector<RecentMessageRow> messages;
  ASSERT_OK(reader_->RecentMessages(2, 1, &messages));
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].username, "c");
  EXPECT_EQ(messages[1].username, "b");
  EXPECT_EQ(messages[1].id + 1, messages[0].id);
}

TEST_F(PgReaderTest, ChannelStatsReportsHighWaterTopChattersAndUsersSeen) {
  Write({PgEventAt(UserJoined{"quiet"}), PgEventAt(UserJoined{"talker"}),
         PgEventAt(ChatMessage{"talker", "a"}), PgEventAt(ChatMessage{"talker", "b"}),
         PgEventAt(HighWater{5, std::nullopt})});
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
  EXPECT_EQ(stats.max_users, 5);
  EXPECT_EQ(stats.max_users_timestamp, kPgNow);
  EXPECT_EQ(stats.max_connected, 0);  // NULL in Rosey's schema, 0 in the reply
  EXPECT_EQ(stats.max_connected_timestamp, std::nullopt);
  ASSERT_EQ(stats.top_chatters.size(), 1u);
  EXPECT_EQ(stats.top_chatters[0].username, "talker");
  EXPECT_EQ(stats.top_chatters[0].chat_lines, 2);
  EXPECT_EQ(stats.total_users_seen, 2);
}

TEST_F(PgReaderTest, ChannelStatsWithoutItsRowIsAllZero) {
  ASSERT_EQ(client_.Exec("DELETE FROM channel_stats"), "");
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
  EXPECT_EQ(stats.max_users, 0);
  EXPECT_EQ(stats.max_users_timestamp, std::nullopt);
  EXPECT_TRUE(stats.top_chatters.empty());
}

// SQLite sorts names bytewise; so must a database with a linguistic
// collation, or the same channel would list its top chatters differently.
TEST(PgReaderCollationTest, TopChattersTieBreakBytewiseWhateverTheDatabaseCollation) {
  testing::TestDatabase db(&testing::PostgresServer::Shared(),
                           "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'");
  std::vector<Event> batch;
  for (const char* user : {"carol", "alice", "Bob"}) {
    batch.push_back(PgEventAt(UserJoined{user}));
    batch.push_back(PgEventAt(ChatMessage{user, "x"}));
  }
  {
    PostgresWriter writer(db.url(), "ROSEY_DB");
    std::vector<Rejection> rejected;
    ASSERT_OK(writer.ApplyBatch(batch, &rejected));
  }
  testing::PgClient client(db.url());
  ASSERT_EQ(client.Text("SELECT string_agg(username, ',' ORDER BY username) FROM user_stats"),
            "alice,Bob,carol");  // the database's own order differs
  PostgresReader reader(db.url());
  ChannelStats stats;
  ASSERT_OK(reader.GetChannelStats(&stats));
  ASSERT_EQ(stats.top_chatters.size(), 3u);
  EXPECT_EQ(stats.top_chatters[0].username, "Bob");
  EXPECT_EQ(stats.top_chatters[1].username, "alice");
  EXPECT_EQ(stats.top_chatters[2].username, "carol");
}

TEST_F(PgReaderTest, UserStatsFoundAndNotFound) {
  Write({PgEventAt(UserJoined{"alice"}), PgEventAt(ChatMessage{"alice", "hi"})});
  std::optional<UserStatsRow> row;
  ASSERT_OK(reader_->GetUserStats("alice", &row));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->first_seen, kPgNow);
  EXPECT_EQ(row->total_chat_lines, 1);
  EXPECT_EQ(row->total_time_connected, 0);
  EXPECT_EQ(row->current_session_start, kPgNow);
  ASSERT_OK(reader_->GetUserStats("nobody", &row));
  EXPECT_FALSE(row.has_value());
  ASSERT_OK(reader_->GetUserStats(std::string("ali\0ce", 6), &row));
  EXPECT_FALSE(row.has_value());
}

TEST_F(PgReaderTest, CountRowsAcceptsOnlySchemaTables) {
  int64_t n = -1;
  ASSERT_OK(reader_->CountRows("recent_chat", &n));
  EXPECT_EQ(n, 0);
  EXPECT_EQ(reader_->CountRows("roseyd_meta; DROP TABLE x", &n).code(),
            Status::Code::kInvalidArgument);
}

TEST_F(PgReaderTest, AQueryOnAConnectionTheServerCutIsTriedAgainOnANewOne) {
  Write({PgEventAt(UserJoined{"alice"})});
  ASSERT_TRUE(TerminateTheRoseydSession());  // the reader's: the writer has closed
  std::optional<UserStatsRow> row;
  ASSERT_OK(reader_->GetUserStats("alice", &row));
  EXPECT_TRUE(row.has_value());
  ChannelStats stats;
  ASSERT_OK(reader_->GetChannelStats(&stats));
}

TEST(PgReaderOpenTest, AMissingDatabaseThrowsStartupErrorNamingIt) {
  const std::string url = testing::PostgresServer::Shared().Url("no_such_database");
  try {
    PostgresReader reader(url);
    FAIL() << "opened";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find(url), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roseyd::store
