// The write side (StoreWriter) that both stores must pass, as TEST_P over
// the store: one transaction per batch, reject-and-continue, the stream
// position kept with the rows, and the housekeeping.
// sqlite/sqlite_writer_test.cc instantiates it for SQLite (label unit),
// postgres/pg_writer_test.cc for PostgreSQL (against a server).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/reader.h"
#include "support/status_matchers.h"
#include "unit/store/store_fixture.h"

namespace roseyd::store {
namespace {

TEST_P(StoreWriterTest, RejectsOnlyTheEventWhoseDataFailsAndCommitsTheRest) {
  PoisonRecentChat();
  std::vector<Event> batch;
  batch.push_back(EventAt(LogChat{"a", "one", std::nullopt}));
  batch.push_back(EventAt(LogChat{"b", "poison", std::nullopt}));
  batch.push_back(EventAt(LogChat{"c", "three", std::nullopt}));
  batch.push_back(EventAt(UserCount{1, 2}));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply(&batch, &rejected));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].index, 1u);
  EXPECT_EQ(rejected[0].why.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(rejected[0].why.message().find("poisoned row"), std::string::npos);
  EXPECT_EQ(Count("recent_chat"), 2);
  EXPECT_EQ(Count("user_count_history"), 1);
  EXPECT_EQ(Joined("username", "recent_chat"), "a,c");
}

TEST_P(StoreWriterTest, APoisonedLineInARunOfChatIsTheOnlyOneRejected) {
  PoisonRecentChat();
  std::vector<Event> batch;
  batch.push_back(EventAt(UserJoined{"u"}));
  for (const char* message : {"one", "two", "poison", "four", "five"}) {
    batch.push_back(EventAt(ChatMessage{"u", message}));
  }
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply(&batch, &rejected));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].index, 3u);
  EXPECT_EQ(Joined("message", "recent_chat"), "one,two,four,five");
  EXPECT_EQ(Int("SELECT total_chat_lines FROM user_stats WHERE username = 'u'"), 4);
}

TEST_P(StoreWriterTest, EventsRejectedByAnEarlierAttemptAreSkippedAndNotReportedAgain) {
  std::vector<Event> batch;
  batch.push_back(EventAt(LogChat{"a", "one", std::nullopt}));
  batch.push_back(EventAt(LogChat{"b", "two", std::nullopt}));
  std::vector<RefusedEvent> rejected;
  rejected.push_back(RefusedEvent{0, Status::InvalidArgument("refused before")});
  ASSERT_OK(Apply(&batch, &rejected));
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].why.message(), "refused before");
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(Joined("message", "recent_chat"), "two");
}

TEST_P(StoreWriterTest, StreamPositionIsWrittenWithTheRowsAndReadAtOpen) {
  EXPECT_EQ(writer_->StreamPosition(), 0u);
  PoisonRecentChat();
  std::vector<Event> batch;
  batch.push_back(EventAt(UserJoined{"alice"}, 5));
  batch.push_back(EventAt(LogChat{"alice", "poison", std::nullopt}, 9));  // refused, yet read
  batch.push_back(EventAt(UserJoined{"bob"}));                            // core NATS: none
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(Apply(&batch, &rejected));
  EXPECT_EQ(rejected.size(), 1u);
  EXPECT_EQ(writer_->StreamPosition(), 9u);
  EXPECT_EQ(MetaPosition(), 9);
  Open();
  EXPECT_EQ(writer_->StreamPosition(), 9u);
  Open(StoreConfig{}, "OTHER");  // each stream keeps its own position
  EXPECT_EQ(writer_->StreamPosition(), 0u);
}

TEST_P(StoreWriterTest, CloseSessionsEndsEveryOpenSessionAtTheGivenTime) {
  Write({EventAt(UserJoined{"alice"})});
  ASSERT_OK(writer_->CloseSessions(kStoreNow + 100));
  EXPECT_EQ(Int("SELECT total_time_connected FROM user_stats"), 100);
  EXPECT_EQ(Int("SELECT last_seen FROM user_stats"), kStoreNow + 100);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM user_stats WHERE current_session_start IS NULL"), 1);
}

TEST_P(StoreWriterTest, PruneRecentChatDeletesOnlyOlderLines) {
  Write({EventAt(LogChat{"old", "old", 100}), EventAt(LogChat{"cutoff", "at the cutoff", 150}),
         EventAt(LogChat{"new", "new", 200})});
  ASSERT_OK(writer_->PruneRecentChat(150));
  EXPECT_EQ(Joined("username", "recent_chat"), "cutoff,new");
}

TEST_P(StoreWriterTest, MaintainRecordsItsRunAcrossReopening) {
  EXPECT_EQ(writer_->LastMaintenance(), std::nullopt);
  ASSERT_OK(writer_->Maintain(kStoreNow));
  EXPECT_EQ(writer_->LastMaintenance(), kStoreNow);
  Open();
  EXPECT_EQ(writer_->LastMaintenance(), kStoreNow);
}

TEST_P(StoreWriterTest, StoreOpensReadersOnTheSameDataAndDescribesIt) {
  Write({EventAt(UserJoined{"alice"})});
  const std::unique_ptr<Reader> reader = store_->OpenReader();
  int64_t users = 0;
  ASSERT_OK(reader->CountRows("user_stats", &users));
  EXPECT_EQ(users, 1);
  EXPECT_EQ(store_->Describe(),
            backend() == Backend::kSqlite ? "sqlite:" + Location() : Location());
}

}  // namespace
}  // namespace roseyd::store
