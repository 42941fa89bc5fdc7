// The SQLite store's write side through the StoreWriter interface: one
// transaction per batch, reject-and-continue, a failed batch that writes
// nothing, the stream position kept with the rows, and the housekeeping.
#include "store/sqlite/sqlite_writer.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"

namespace roseyd::store {
namespace {

constexpr int64_t kNow = 1'700'000'000;

Event At(Write write, uint64_t stream_seq = 0) {
  Event event{std::move(write), kNow, {}, 0};
  event.stream_seq = stream_seq;
  return event;
}

class SqliteWriterTest : public ::testing::Test {
 protected:
  SqliteWriterTest() { Open(StoreConfig{}); }

  void Open(const StoreConfig& config, const std::string& stream = "ROSEY_DB") {
    writer_.reset();
    store_ = OpenSqliteStore(config, path(), stream);
    writer_ = store_->OpenWriter();
    raw_ = std::make_unique<RawSqlite>(path());
  }

  std::string path() const { return dir_.File("rosey.db"); }

  int64_t Count(const std::string& table) {
    return raw_->Int("SELECT COUNT(*) FROM " + table).value_or(-1);
  }

  // Refuses one chat line, as a trigger another tool added to the file could.
  void PoisonRecentChat() {
    ASSERT_EQ(raw_->Exec("CREATE TRIGGER poison BEFORE INSERT ON recent_chat "
                         "WHEN NEW.message = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); "
                         "END;"),
              "");
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreWriter> writer_;
  std::unique_ptr<RawSqlite> raw_;
};

TEST_F(SqliteWriterTest, RejectsOnlyTheEventWhoseDataFailsAndCommitsTheRest) {
  PoisonRecentChat();
  std::vector<Event> batch;
  batch.push_back(At(LogChat{"a", "one", std::nullopt}));
  batch.push_back(At(LogChat{"b", "poison", std::nullopt}));
  batch.push_back(At(LogChat{"c", "three", std::nullopt}));
  batch.push_back(At(UserCount{1, 2}));
  std::vector<Rejection> rejected;
  ASSERT_OK(writer_->ApplyBatch(batch, &rejected));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].index, 1u);
  EXPECT_EQ(rejected[0].why.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(rejected[0].why.message().find("poisoned row"), std::string::npos);
  EXPECT_EQ(Count("recent_chat"), 2);
  EXPECT_EQ(Count("user_count_history"), 1);
}

TEST_F(SqliteWriterTest, EventsRejectedByAnEarlierAttemptAreSkippedAndNotReportedAgain) {
  std::vector<Event> batch;
  batch.push_back(At(LogChat{"a", "one", std::nullopt}));
  batch.push_back(At(LogChat{"b", "two", std::nullopt}));
  std::vector<Rejection> rejected;
  rejected.push_back(Rejection{0, Status::InvalidArgument("refused before")});
  ASSERT_OK(writer_->ApplyBatch(batch, &rejected));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].why.message(), "refused before");
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(raw_->Text("SELECT message FROM recent_chat"), "two");
}

TEST_F(SqliteWriterTest, ABatchThatFailsAsAWholeWritesNothingAndCanBeRetried) {
  StoreConfig config;
  config.busy_timeout = std::chrono::milliseconds(20);
  Open(config);
  RawSqlite locker(path());
  ASSERT_EQ(locker.Exec("BEGIN IMMEDIATE"), "");
  std::vector<Event> batch;
  batch.push_back(At(UserJoined{"patient"}, 7));
  std::vector<Rejection> rejected;
  const Status locked = writer_->ApplyBatch(batch, &rejected);
  EXPECT_EQ(locked.code(), Status::Code::kBusy);
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(writer_->StreamPosition(), 0u);
  ASSERT_EQ(locker.Exec("COMMIT"), "");
  EXPECT_EQ(Count("user_stats"), 0);
  ASSERT_OK(writer_->ApplyBatch(batch, &rejected));
  EXPECT_EQ(Count("user_stats"), 1);
  EXPECT_EQ(writer_->StreamPosition(), 7u);
}

TEST_F(SqliteWriterTest, StreamPositionIsWrittenWithTheRowsAndReadAtOpen) {
  EXPECT_EQ(writer_->StreamPosition(), 0u);
  PoisonRecentChat();
  std::vector<Event> batch;
  batch.push_back(At(UserJoined{"alice"}, 5));
  batch.push_back(At(LogChat{"alice", "poison", std::nullopt}, 9));  // refused, yet read
  batch.push_back(At(UserJoined{"bob"}));                            // core NATS: none
  std::vector<Rejection> rejected;
  ASSERT_OK(writer_->ApplyBatch(batch, &rejected));
  EXPECT_EQ(rejected.size(), 1u);
  EXPECT_EQ(writer_->StreamPosition(), 9u);
  EXPECT_EQ(raw_->Int("SELECT CAST(value AS INTEGER) FROM roseyd_meta "
                      "WHERE key = 'jetstream.ROSEY_DB.last_seq'"),
            9);
  Open(StoreConfig{});
  EXPECT_EQ(writer_->StreamPosition(), 9u);
  Open(StoreConfig{}, "OTHER");  // each stream keeps its own position
  EXPECT_EQ(writer_->StreamPosition(), 0u);
}

TEST_F(SqliteWriterTest, CloseSessionsEndsEveryOpenSessionAtTheGivenTime) {
  std::vector<Event> batch;
  batch.push_back(At(UserJoined{"alice"}));
  std::vector<Rejection> rejected;
  ASSERT_OK(writer_->ApplyBatch(batch, &rejected));
  ASSERT_OK(writer_->CloseSessions(kNow + 100));
  EXPECT_EQ(raw_->Int("SELECT total_time_connected FROM user_stats"), 100);
  EXPECT_EQ(raw_->Int("SELECT last_seen FROM user_stats"), kNow + 100);
  EXPECT_EQ(raw_->Int("SELECT COUNT(*) FROM user_stats WHERE current_session_start IS NULL"), 1);
}

TEST_F(SqliteWriterTest, PruneRecentChatDeletesOnlyOlderLines) {
  std::vector<Event> batch;
  batch.push_back(At(LogChat{"old", "old", 100}));
  batch.push_back(At(LogChat{"cutoff", "at the cutoff", 150}));
  batch.push_back(At(LogChat{"new", "new", 200}));
  std::vector<Rejection> rejected;
  ASSERT_OK(writer_->ApplyBatch(batch, &rejected));
  ASSERT_OK(writer_->PruneRecentChat(150));
  EXPECT_EQ(raw_->Text("SELECT group_concat(username, ',') FROM "
                       "(SELECT username FROM recent_chat ORDER BY id)"),
            "cutoff,new");
}

TEST_F(SqliteWriterTest, MaintainRecordsItsRunAcrossReopening) {
  EXPECT_EQ(writer_->LastMaintenance(), std::nullopt);
  ASSERT_OK(writer_->Maintain(kNow));
  EXPECT_EQ(writer_->LastMaintenance(), kNow);
  Open(StoreConfig{});
  EXPECT_EQ(writer_->LastMaintenance(), kNow);
}

TEST_F(SqliteWriterTest, StoreOpensReadersOnTheSameFileAndDescribesIt) {
  std::vector<Event> batch;
  batch.push_back(At(UserJoined{"alice"}));
  std::vector<Rejection> rejected;
  ASSERT_OK(writer_->ApplyBatch(batch, &rejected));
  const std::unique_ptr<Reader> reader = store_->OpenReader();
  int64_t users = 0;
  ASSERT_OK(reader->CountRows("user_stats", &users));
  EXPECT_EQ(users, 1);
  EXPECT_EQ(store_->Describe(), "sqlite:" + path());
}

}  // namespace
}  // namespace roseyd::store
