// The PostgreSQL store's read side: the shared suite (store_reader_test.cc)
// on PostgreSQL, and what only a server does.
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

INSTANTIATE_TEST_SUITE_P(Postgres, StoreReaderTest, ::testing::Values(Backend::kPostgres),
                         BackendParamName);

// SQLite sorts names bytewise; so must a database with a linguistic
// collation, or the same channel would list its top chatters differently.
TEST(PgReaderCollationTest, TopChattersTieBreakBytewiseWhateverTheDatabaseCollation) {
  testing::TestDatabase db(&testing::PostgresServer::Shared(),
                           "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'");
  std::vector<Event> batch;
  for (const char* user : {"carol", "alice", "Bob"}) {
    batch.push_back(EventAt(UserJoined{user}));
    batch.push_back(EventAt(ChatMessage{user, "x"}));
  }
  {
    PostgresWriter writer(db.url(), "ROSEY_DB");
    std::vector<RefusedEvent> rejected;
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

TEST_F(PgStoreTest, AQueryOnAConnectionTheServerCutIsTriedAgainOnANewOne) {
  Write({EventAt(UserJoined{"alice"})});
  writer_.reset();  // the reader's session is then the only one
  const std::unique_ptr<Reader> reader = store_->OpenReader();
  ASSERT_TRUE(TerminateTheRoseydSession());
  std::optional<UserStatsRow> row;
  ASSERT_OK(reader->GetUserStats("alice", &row));
  EXPECT_TRUE(row.has_value());
  ChannelStats stats;
  ASSERT_OK(reader->GetChannelStats(&stats));
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
