// Rosey's schema on PostgreSQL: created as its models render, a database
// Rosey made served in place, a foreign layout refused at start-up.
#include "store/postgres/pg_schema.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "store/postgres/pg_reader.h"
#include "store/postgres/pg_writer.h"
#include "support/status_matchers.h"
#include "unit/store/postgres/pg_fixture.h"

namespace roseyd::store {
namespace {

using SchemaTest = PgTest;

TEST_F(SchemaTest, CreatesRoseysTablesAsItsModelsRenderForPostgres) {
  PostgresWriter writer(url(), "ROSEY_DB");
  const auto column = [&](const std::string& table, const std::string& name) {
    return client_.Text(
               "SELECT concat_ws(' ', data_type, character_maximum_length, is_nullable,"
               " column_default) FROM information_schema.columns WHERE table_name = '" +
               table + "' AND column_name = '" + name + "'")
        .value_or("(missing)");
  };
  EXPECT_EQ(column("user_stats", "username"), "character varying 50 NO");
  EXPECT_EQ(column("user_stats", "total_chat_lines"), "integer NO 0");
  EXPECT_EQ(column("recent_chat", "id"), "integer NO nextval('recent_chat_id_seq'::regclass)");
  EXPECT_EQ(column("channel_stats", "id"), "integer NO");  // a singleton: no sequence
  EXPECT_EQ(column("channel_stats", "max_connected"), "integer YES");
  EXPECT_EQ(column("current_status", "bot_rank"), "integer YES");
  EXPECT_EQ(column("current_status", "bot_afk"), "boolean YES");
  EXPECT_EQ(column("current_status", "status"),
            "character varying 50 NO 'offline'::character varying");
  EXPECT_EQ(column("outbound_messages", "sent"), "boolean NO false");
  EXPECT_EQ(column("outbound_messages", "error_message"), "text YES");
  EXPECT_EQ(column("api_tokens", "is_active"), "boolean NO true");
  EXPECT_EQ(client_.Text("SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint"
                         " WHERE conrelid = 'user_count_history'::regclass AND contype = 'c'"),
            "check_connected_ge_chat,check_positive_chat_users,check_positive_connected");
  EXPECT_EQ(client_.Int("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname"
                        " IN ('idx_last_seen', 'idx_user_actions_username_timestamp',"
                        " 'idx_outbound_sent_timestamp', 'ix_api_tokens_token',"
                        " 'idx_active_tokens', 'ix_recent_chat_timestamp')"),
            6);
  EXPECT_EQ(client_.Int("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'ix_api_tokens_token'"
                        " AND indexdef LIKE 'CREATE UNIQUE INDEX%'"),
            1);
  // roseyd's own table and the singleton rows.
  EXPECT_EQ(client_.Int("SELECT COUNT(*) FROM roseyd_meta WHERE key = 'last_open'"), 1);
  EXPECT_EQ(Count("channel_stats"), 1);
  EXPECT_EQ(client_.Text("SELECT status FROM current_status WHERE id = 1"), "offline");
}

TEST_F(SchemaTest, ReopeningKeepsRowsAndSeedsOnce) {
  {
    PostgresWriter writer(url(), "ROSEY_DB");
    std::vector<Event> batch{PgEventAt(HighWater{7, 9})};
    std::vector<RefusedEvent> rejected;
    ASSERT_OK(writer.ApplyBatch(batch, &rejected));
  }
  PostgresWriter again(url(), "ROSEY_DB");
  EXPECT_EQ(Count("channel_stats"), 1);
  EXPECT_EQ(Count("current_status"), 1);
  EXPECT_EQ(client_.Int("SELECT max_users FROM channel_stats"), 7);
}

// A database Rosey made has its tables and rows, no singleton rows (Rosey
// inserts them on first use) and no roseyd_meta: roseyd takes it as it is.
TEST_F(SchemaTest, ServesADatabaseRoseyMadeInPlace) {
  { PostgresWriter make_the_tables(url(), "ROSEY_DB"); }
  ASSERT_EQ(client_.Exec("DROP TABLE roseyd_meta; DELETE FROM channel_stats;"
                         " DELETE FROM current_status;"
                         "INSERT INTO user_stats VALUES ('alice', 100, 200, 5, 60, NULL);"
                         "INSERT INTO outbound_messages (\"timestamp\", message, retry_count,"
                         " error_message) VALUES (100, 'queued by the web UI', 1, 'timeout')"),
            "");
  PostgresWriter writer(url(), "ROSEY_DB");
  std::vector<Event> batch{PgEventAt(ChatMessage{"alice", "back"}), PgEventAt(HighWater{3, 4}),
                           PgEventAt(StatusUpdate{{{"bot_name", StatusValue{std::string("R")}}}})};
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(writer.ApplyBatch(batch, &rejected));
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(client_.Int("SELECT total_chat_lines FROM user_stats WHERE username = 'alice'"), 6);
  EXPECT_EQ(client_.Int("SELECT max_connected FROM channel_stats WHERE id = 1"), 4);
  EXPECT_EQ(client_.Text("SELECT bot_name FROM current_status WHERE id = 1"), "R");
  PostgresReader reader(url());
  std::vector<OutboundRow> pending;
  ASSERT_OK(reader.OutboundPending(10, 3, 100 + 120, &pending));
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].last_error, "timeout");  // Rosey's error_message
}

TEST_F(SchemaTest, AForeignLayoutStopsStartupNamingWhatIsMissingAndChangesNothing) {
  // channel_stats and outbound_messages as Rosey's first Alembic migration
  // made them.
  ASSERT_EQ(client_.Exec("CREATE TABLE channel_stats (id SERIAL PRIMARY KEY,"
                         " stat_name VARCHAR(100) NOT NULL UNIQUE, stat_value INTEGER NOT NULL,"
                         " \"timestamp\" INTEGER NOT NULL);"
                         "CREATE TABLE outbound_messages (id SERIAL PRIMARY KEY,"
                         " message TEXT NOT NULL, created_at INTEGER NOT NULL,"
                         " sent INTEGER NOT NULL, sent_at INTEGER, retry_count INTEGER NOT NULL)"),
            "");
  try {
    PostgresWriter writer(url(), "ROSEY_DB");
    FAIL() << "opened";
  } catch (const StartupError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("channel_stats.max_users is missing"), std::string::npos) << what;
    EXPECT_NE(what.find("outbound_messages.sent is integer, not boolean"), std::string::npos)
        << what;
    EXPECT_NE(what.find(db_.name()), std::string::npos) << what;
  }
  EXPECT_EQ(client_.Int("SELECT COUNT(*) FROM information_schema.tables"
                        " WHERE table_name IN ('roseyd_meta', 'user_stats')"),
            0);
}

TEST_F(SchemaTest, WritersOpeningAnEmptyDatabaseTogetherDoNotRace) {
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (size_t i = 0; i < errors.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        PostgresWriter writer(url(), "ROSEY_DB");
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& error : errors) EXPECT_EQ(error, "");
  EXPECT_EQ(Count("channel_stats"), 1);
}

}  // namespace
}  // namespace roseyd::store
