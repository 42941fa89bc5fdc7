// The PostgreSQL store's write side: the shared suite (store_writer_test.cc)
// on PostgreSQL, and what only it does: Rosey's constraints and types,
// reject-and-continue in bulk and event by event, a lost connection that
// writes nothing and is retried, a lost COMMIT that is not written twice,
// the old rows its housekeeping deletes, and the writer's claim.
#include "store/postgres/pg_writer.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "store/postgres/pg_store.h"
#include "support/status_matchers.h"
#include "unit/store/postgres/pg_fixture.h"

namespace roseyd::store {
namespace {

INSTANTIATE_TEST_SUITE_P(Postgres, StoreWriterTest, ::testing::Values(Backend::kPostgres),
                         BackendParamName);

class PgWriterTest : public PgStoreTest {
 protected:
  PostgresWriter* pg_writer() { return static_cast<PostgresWriter*>(writer_.get()); }
};

// What Rosey's schema refuses and SQLite's accepted: each is rejected alone.
TEST_F(PgWriterTest, RoseysConstraintsAndTypesRejectOnlyTheirEvent) {
  std::vector<Event> batch;
  batch.push_back(EventAt(UserJoined{"fine"}));
  batch.push_back(EventAt(UserCount{5, 3}));                   // connected_users >= chat_users
  batch.push_back(EventAt(UserJoined{std::string(51, 'x')}));  // VARCHAR(50)
  batch.push_back(EventAt(LogChat{"nul", std::string("a\0b", 3), std::nullopt}));
  batch.push_back(EventAt(StatusUpdate{{{"bot_afk", StatusValue{int64_t{7}}}}}));  // boolean
  batch.push_back(EventAt(StatusUpdate{{{"bot_rank", StatusValue{2.5}}}}));        // integer
  batch.push_back(EventAt(UserCount{3, 5}));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply(&batch, &rejected));
  std::vector<size_t> indexes;
  for (const RefusedEvent& r : rejected) {
    indexes.push_back(r.index);
    EXPECT_EQ(r.why.code(), Status::Code::kInvalidArgument) << r.why.ToString();
  }
  std::sort(indexes.begin(), indexes.end());
  EXPECT_EQ(indexes, (std::vector<size_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(Count("user_stats"), 1);
  EXPECT_EQ(Int("SELECT chat_users FROM user_count_history"), 3);
}

TEST_F(PgWriterTest, StatusValuesAreConvertedToRoseysColumnTypes) {
  std::vector<Event> batch;
  batch.push_back(EventAt(StatusUpdate{{{"bot_name", StatusValue{std::string("Rosey")}},
                                        {"bot_rank", StatusValue{3.0}},
                                        {"bot_afk", StatusValue{int64_t{0}}},
                                        {"bot_connected", StatusValue{int64_t{1}}},
                                        {"channel_name", StatusValue{}},
                                        {"current_chat_users", StatusValue{int64_t{12}}}}}));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply(&batch, &rejected));
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(Int("SELECT COUNT(*) FROM current_status WHERE id = 1 AND bot_name = 'Rosey'"
                " AND bot_rank = 3 AND NOT bot_afk AND bot_connected"
                " AND channel_name IS NULL AND current_chat_users = 12"
                " AND last_updated = " +
                std::to_string(kStoreNow)),
            1);
}

// More bad events than whole-batch attempts: the rest goes event by event.
TEST_F(PgWriterTest, ABatchOfManyBadEventsRejectsEachOnceAndKeepsTheGoodOnes) {
  std::vector<Event> batch;
  batch.reserve(40);
  for (int i = 0; i < 40; ++i) {
    batch.push_back(i % 2 == 0 ? EventAt(UserCount{i, i}) : EventAt(UserCount{2, 1}));
  }
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply(&batch, &rejected));
  ASSERT_EQ(rejected.size(), 20u);
  for (const RefusedEvent& r : rejected) EXPECT_EQ(r.index % 2, 1u);
  EXPECT_EQ(Count("user_count_history"), 20);
  EXPECT_EQ(Int("SELECT SUM(chat_users) FROM user_count_history"), 380);
}

TEST_F(PgWriterTest, ALostConnectionFailsTheBatchWhichTheNextCallWritesOnce) {
  ASSERT_TRUE(TerminateTheRoseydSession());
  std::vector<Event> batch;
  batch.push_back(EventAt(UserJoined{"patient"}, 7));
  batch.push_back(EventAt(ChatMessage{"patient", "hello"}, 8));
  std::vector<RefusedEvent> rejected;
  const Status lost = Apply(&batch, &rejected);
  EXPECT_EQ(lost.code(), Status::Code::kUnavailable) << lost.ToString();
  EXPECT_NE(lost.message().find("postgresql://postgres@127.0.0.1:"), std::string::npos);
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(Count("user_stats"), 0);
  EXPECT_EQ(writer_->StreamPosition(), 0u);
  ASSERT_OK(Apply(&batch, &rejected));
  EXPECT_EQ(Int("SELECT total_chat_lines FROM user_stats"), 1);
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(writer_->StreamPosition(), 8u);
}

TEST_F(PgWriterTest, ABatchWhoseCommitWasLostInFlightIsNotWrittenTwice) {
  std::vector<Event> batch;
  batch.push_back(EventAt(UserJoined{"once"}, 3));
  batch.push_back(EventAt(ChatMessage{"once", "only once"}, 4));
  std::vector<RefusedEvent> rejected;
  pg_writer()->TEST_LoseConnection(PostgresWriter::TestLoss::kAfterCommit);
  EXPECT_EQ(Apply(&batch, &rejected).code(), Status::Code::kUnavailable);
  EXPECT_EQ(Count("recent_chat"), 1);  // it did commit
  ASSERT_OK(Apply(&batch, &rejected));  // the retry finds its marker
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(Int("SELECT total_chat_lines FROM user_stats"), 1);
  EXPECT_EQ(writer_->StreamPosition(), 4u);
}

TEST_F(PgWriterTest, ABatchLostBeforeItWasSentIsWrittenByTheRetry) {
  std::vector<Event> batch;
  batch.push_back(EventAt(ChatMessage{"x", "retried"}));
  std::vector<RefusedEvent> rejected;
  pg_writer()->TEST_LoseConnection(PostgresWriter::TestLoss::kBeforeSend);
  EXPECT_EQ(Apply(&batch, &rejected).code(), Status::Code::kUnavailable);
  EXPECT_EQ(Count("recent_chat"), 0);
  ASSERT_OK(Apply(&batch, &rejected));
  EXPECT_EQ(Count("recent_chat"), 1);
}

TEST_F(PgWriterTest, BulkChatLeavesTheSameRowsAsOneEventAtATime) {
  testing::TestDatabase other_db;
  PostgresWriter one_by_one(other_db.url(), "ROSEY_DB");
  one_by_one.TEST_SetBulk(false);
  std::vector<Event> batch;
  for (const char* user : {"ann", "bob", "server", "cy"})
    batch.push_back(EventAt(UserJoined{user}));
  for (int i = 0; i < 100; ++i) {
    const char* users[] = {"ann", "bob", "SERVER", "cy", "ghost"};
    const std::string message = i % 7 == 0 ? "" : "line \"" + std::to_string(i) + "\" {,}\\ NULL";
    batch.push_back(EventAt(ChatMessage{users[i % 5], message}, 0, kStoreNow + i / 10));
  }
  // Between the lines, events the bulk span writes around, and a leave and
  // a join that end a span (a line before a join must not count for a user
  // the join creates).
  batch.insert(batch.begin() + 30, EventAt(LogChat{"api", "via the store API", 5}));
  batch.insert(batch.begin() + 40, EventAt(UserCount{3, 4}));
  batch.insert(batch.begin() + 50, EventAt(UserLeft{"bob"}, 0, kStoreNow + 4));
  batch.insert(batch.begin() + 51, EventAt(ChatMessage{"newbie", "before joining"}));
  batch.insert(batch.begin() + 52, EventAt(ChatMessage{"newbie", "still before"}));
  batch.insert(batch.begin() + 53, EventAt(UserJoined{"newbie"}, 0, kStoreNow + 5));
  batch.insert(batch.begin() + 60, EventAt(UserAction{"ann", "pm_command", "cmd=x", 7}));
  batch.push_back(EventAt(ChatMessage{"newbie", "after joining"}, 0, kStoreNow + 20));
  batch.push_back(EventAt(LogChat{"api", "last", std::nullopt}, 0, kStoreNow + 20));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply(&batch, &rejected));
  ASSERT_OK(one_by_one.ApplyBatch(batch, &rejected));
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(Int("SELECT total_chat_lines FROM user_stats WHERE username = 'newbie'"), 1);
  testing::PgClient other(other_db.url());
  for (const std::string sql :
       {"SELECT string_agg(concat_ws('|', id, \"timestamp\", username, message), E'\\n'"
        " ORDER BY id) FROM recent_chat",
        "SELECT string_agg(concat_ws('|', username, first_seen, last_seen, total_chat_lines,"
        " total_time_connected, current_session_start), E'\\n' ORDER BY username)"
        " FROM user_stats",
        "SELECT string_agg(concat_ws('|', id, \"timestamp\", chat_users), ',') FROM user_count_history",
        "SELECT string_agg(concat_ws('|', id, \"timestamp\", details), ',') FROM user_actions"}) {
    const auto bulk = Text(sql);
    ASSERT_TRUE(bulk.has_value());
    EXPECT_EQ(bulk, other.Text(sql)) << sql;
  }
  // No SERVER lines (20), no empty ones (15), 3 of them both; 2 LogChat
  // rows, 3 of newbie.
  EXPECT_EQ(Count("recent_chat"), 68 + 2 + 3);
}

TEST_F(PgWriterTest, MaintainDeletesOldRowsAndRecordsItsRunAcrossReopening) {
  constexpr int64_t kDay = 86400;
  ASSERT_EQ(
      Exec("INSERT INTO user_count_history (\"timestamp\", chat_users,"
           " connected_users) VALUES (" +
           std::to_string(kStoreNow - 31 * kDay) + ", 1, 1), (" + std::to_string(kStoreNow - kDay) +
           ", 2, 2);"
           "INSERT INTO outbound_messages (\"timestamp\", message, sent,"
           " sent_timestamp) VALUES (1, 'old', true, " +
           std::to_string(kStoreNow - 8 * kDay) +
           "), (1, 'unsent', false, NULL);"
           "INSERT INTO api_tokens (token, created_at, is_active) VALUES"
           " ('revoked', " +
           std::to_string(kStoreNow - 91 * kDay) +
           ", false),"
           " ('live', " +
           std::to_string(kStoreNow - 91 * kDay) + ", true)"),
      "");
  EXPECT_EQ(writer_->LastMaintenance(), std::nullopt);
  ASSERT_OK(writer_->Maintain(kStoreNow));
  EXPECT_EQ(writer_->LastMaintenance(), kStoreNow);
  EXPECT_EQ(Int("SELECT chat_users FROM user_count_history"), 2);
  EXPECT_EQ(Text("SELECT message FROM outbound_messages"), "unsent");
  EXPECT_EQ(Text("SELECT token FROM api_tokens"), "live");
  Open();
  EXPECT_EQ(writer_->LastMaintenance(), kStoreNow);
}

TEST_F(PgWriterTest, StoreOpensReadersAndDescribesItselfWithoutThePassword) {
  const std::unique_ptr<Store> store = OpenPostgresStore(
      "postgresql://postgres:s3cret@127.0.0.1:" + std::to_string(pg_database().server().port()) +
      "/" + pg_database().name());
  EXPECT_EQ(store->Describe().find("s3cret"), std::string::npos);
  EXPECT_NE(store->Describe().find("postgres:***@127.0.0.1"), std::string::npos);
  std::vector<Event> batch;
  batch.push_back(EventAt(UserJoined{"alice"}));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(store->OpenWriter()->ApplyBatch(batch, &rejected));
  int64_t users = 0;
  ASSERT_OK(store->OpenReader()->CountRows("user_stats", &users));
  EXPECT_EQ(users, 1);
}

// The server ends a session just after its client hangs up (or after
// pg_terminate_backend returns): as a follower does every 100 ms in roseyd,
// try again until the claim is free, for up to 2 s.
bool ClaimSoon(PostgresWriter* writer) {
  for (int i = 0; i < 100; ++i) {
    if (writer->TryClaim()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Several roseyd on one database: the writer's claim is an advisory lock on
// the writing session, so exactly one writes, until that session ends.
TEST_F(PgWriterTest, OnlyTheWriterHoldingTheClaimWritesUntilItsSessionEnds) {
  ASSERT_TRUE(pg_writer()->TryClaim());
  PostgresWriter other(Location(), "ROSEY_DB");
  EXPECT_FALSE(other.TryClaim());
  std::vector<Event> batch;
  batch.push_back(EventAt(UserJoined{"alice"}, 1));
  std::vector<RefusedEvent> rejected;
  EXPECT_EQ(other.ApplyBatch(batch, &rejected).code(), Status::Code::kUnavailable);
  EXPECT_EQ(Count("user_stats"), 0);
  ASSERT_OK(Apply(&batch, &rejected));
  writer_.reset();  // its session ends, and the claim with it
  ASSERT_TRUE(ClaimSoon(&other));
  EXPECT_EQ(other.StreamPosition(), 1u);  // read when claimed, not when opened
  batch[0] = EventAt(UserJoined{"bob"}, 2);
  ASSERT_OK(other.ApplyBatch(batch, &rejected));
  EXPECT_EQ(Count("user_stats"), 2);
}

// Fencing: a writer whose session was cut while another took the claim and
// wrote can never write again, even once the other has gone.
TEST_F(PgWriterTest, AWriterCutOffWhileAnotherWroteIsFencedOffForGood) {
  ASSERT_TRUE(pg_writer()->TryClaim());
  std::vector<Event> first;
  first.push_back(EventAt(UserJoined{"alice"}, 1));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply(&first, &rejected));
  ASSERT_EQ(Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                 " WHERE datname = current_database() AND pid <> pg_backend_pid()"),
            "");
  {
    PostgresWriter other(Location(), "ROSEY_DB");
    ASSERT_TRUE(ClaimSoon(&other));
    std::vector<Event> second;
    second.push_back(EventAt(ChatMessage{"alice", "once"}, 2));
    ASSERT_OK(other.ApplyBatch(second, &rejected));
  }
  // The cut-off writer still holds stream event 2 in its queue (as a roseyd
  // that had not heard yet); the first
  // attempt finds the connection gone, the next reconnects and is refused.
  std::vector<Event> stale;
  stale.push_back(EventAt(ChatMessage{"alice", "once"}, 2));
  for (int attempt = 0; attempt < 3 && pg_writer()->HoldsClaim(); ++attempt) {
    EXPECT_FALSE(Apply(&stale, &rejected).ok());
  }
  EXPECT_FALSE(pg_writer()->HoldsClaim());
  EXPECT_FALSE(pg_writer()->TryClaim());
  EXPECT_EQ(Apply(&stale, &rejected).code(), Status::Code::kUnavailable);
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(Int("SELECT value::bigint FROM roseyd_meta"
                " WHERE key = 'jetstream.ROSEY_DB.last_seq'"),
            2);
}

TEST(PgWriterOpenTest, AnUnreachableServerStopsStartupNamingItWithoutThePassword) {
  try {
    PostgresWriter writer("postgresql://rosey:hunter2@127.0.0.1:1/rosey?connect_timeout=2",
                          "ROSEY_DB");
    FAIL() << "opened";
  } catch (const StartupError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("postgresql://rosey:***@127.0.0.1:1/rosey"), std::string::npos) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace roseyd::store
