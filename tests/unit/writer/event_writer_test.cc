#include "writer/event_writer.h"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_reader.h"
#include "unit/writer/writer_fixture.h"
#include "writer/sqlite_event_writer.h"

namespace roseyd::store {
namespace {

using std::chrono::seconds;

using EventWriterTest = WriterTest;

TEST_F(EventWriterTest, WaitCommittedMakesEventVisibleToReader) {
  SqliteReader reader(path(), std::chrono::milliseconds(1000));
  uint64_t seq = 0;
  ASSERT_OK(writer_->Submit(Event{UserJoined{"dave"}, kNow, {}, 0}, &seq));
  ASSERT_OK(writer_->WaitCommitted(seq, Deadline()));
  EXPECT_GE(writer_->LastCommitted(), seq);
  std::optional<UserStatsRow> row;
  ASSERT_OK(reader.GetUserStats("dave", &row));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->first_seen, kNow);
}

TEST_F(EventWriterTest, SequenceNumbersFollowSubmitOrder) {
  uint64_t a = 0, b = 0;
  ASSERT_OK(writer_->Submit(Event{UserCount{1, 1}, kNow, {}, 0}, &a));
  ASSERT_OK(writer_->Submit(Event{UserCount{2, 2}, kNow, {}, 0}, &b));
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(writer_->LastSubmitted(), b);
  ASSERT_OK(writer_->WaitCommitted(b, Deadline()));
  EXPECT_EQ(listener_.committed_seqs(), (std::vector<uint64_t>{a, b}));
}

TEST_F(EventWriterTest, GroupCommitBatchesABurst) {
  constexpr int kEvents = 20000;
  uint64_t last = 0;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_OK(writer_->Submit(Event{ChatMessage{"u", "burst"}, kNow, {}, 0}, &last));
  }
  ASSERT_OK(writer_->WaitCommitted(last, Deadline()));
  const auto sizes = listener_.batch_sizes();
  size_t total = 0, largest = 0;
  for (size_t n : sizes) {
    total += n;
    largest = std::max(largest, n);
  }
  EXPECT_EQ(total, static_cast<size_t>(kEvents));
  EXPECT_GT(largest, 1u);
  EXPECT_LT(sizes.size(), static_cast<size_t>(kEvents));
  EXPECT_LE(largest, static_cast<size_t>(StoreConfig{}.batch_max_events));
}

// The writer lingers on its clock: these tests hold a fake one still, or move
// it on, instead of sleeping.
class GroupCommitTest : public WriterTest {
 protected:
  void SetUp() override {
    StoreConfig config;
    config.batch_max_delay = std::chrono::milliseconds(1000);  // long, to make lingering visible
    Open(config, /*start=*/false, &fake_clock_);
  }
  uint64_t Submit(int i) {
    uint64_t seq = 0;
    const Status s = writer_->Submit(Event{UserCount{i, i}, kNow, {}, 0}, &seq);
    EXPECT_OK(s);
    return seq;
  }
};

// The clock never moves, so a writer that lingered would never commit.
TEST_F(GroupCommitTest, LoneEventCommitsWithoutLingering) {
  writer_->Start();
  const uint64_t seq = Submit(1);
  ASSERT_TRUE(listener_.AwaitCommitted(seq));
  ASSERT_OK(writer_->WaitCommitted(seq, Deadline()));  // committed already: no hurry asked
  EXPECT_EQ(writer_->LastCommitted(), seq);
  EXPECT_EQ(listener_.batch_sizes(), (std::vector<size_t>{1}));
}

TEST_F(GroupCommitTest, BurstLingersForMoreUpToTheDelay) {
  Submit(1);
  Submit(2);  // two waiting when the writer starts: a burst
  writer_->Start();
  fake_clock_.AwaitWaiters(1);  // lingering for more
  const uint64_t third = Submit(3);
  fake_clock_.Advance(std::chrono::milliseconds(999));
  EXPECT_EQ(writer_->LastCommitted(), 0u);  // still lingering: the delay has not passed
  fake_clock_.Advance(std::chrono::milliseconds(1));
  ASSERT_TRUE(listener_.AwaitCommitted(third));
  EXPECT_EQ(listener_.batch_sizes(), (std::vector<size_t>{3}));
}

// The clock never moves, so only the waiter can end the linger.
TEST_F(GroupCommitTest, WaitCommittedCutsTheLingerShort) {
  Submit(1);
  const uint64_t last = Submit(2);
  writer_->Start();
  fake_clock_.AwaitWaiters(1);  // lingering for more
  ASSERT_OK(writer_->WaitCommitted(last, Deadline()));
  EXPECT_EQ(listener_.batch_sizes(), (std::vector<size_t>{2}));
}

TEST_F(EventWriterTest, StopCommitsEverythingQueued) {
  constexpr int kEvents = 10000;
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_OK(writer_->Submit(Event{LogChat{"u", std::to_string(i), std::nullopt}, kNow, {}, 0}));
  }
  writer_->Stop();
  EXPECT_EQ(writer_->LastCommitted(), static_cast<uint64_t>(kEvents));
  EXPECT_EQ(Count("recent_chat"), kEvents);
  EXPECT_EQ(raw_->Text("SELECT message FROM recent_chat ORDER BY id DESC"),
            std::to_string(kEvents - 1));
}

TEST_F(EventWriterTest, StopClosesOpenSessions) {
  const int64_t now = UnixNowForTest();
  Commit(UserJoined{"alice"}, now - 100);
  Commit(UserJoined{"bob"}, now - 100);
  Commit(UserLeft{"bob"}, now - 40);
  writer_->Stop();
  EXPECT_EQ(User("alice", "current_session_start"), std::nullopt);
  EXPECT_GE(User("alice", "total_time_connected").value_or(0), 100);
  EXPECT_LE(User("alice", "total_time_connected").value_or(0), 130);
  EXPECT_GE(User("alice", "last_seen").value_or(0), now);
  EXPECT_EQ(User("bob", "total_time_connected"), 60);  // closed already: untouched
  EXPECT_EQ(User("bob", "last_seen"), now - 40);
}

TEST_F(EventWriterTest, SubmitAfterStopIsUnavailable) {
  writer_->Stop();
  writer_->Stop();  // idempotent
  const Status s = writer_->Submit(Event{UserJoined{"late"}, kNow, {}, 0});
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_EQ(Count("user_stats"), 0);
}

TEST_F(EventWriterTest, WaitCommittedTimesOutForAnEventNeverSubmitted) {
  const Status s =
      writer_->WaitCommitted(writer_->LastSubmitted() + 1,
                             std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
}

// Retention and maintenance run on the writer's clock: these tests move a
// fake one on instead of sleeping.
class RetentionTest : public WriterTest {
 protected:
  void SetUp() override {}
  void Open(const StoreConfig& config) { WriterTest::Open(config, true, &fake_clock_); }
  void SubmitOldAndNewChat() {
    const int64_t now = fake_clock_.UnixNow();
    Commit(LogChat{"old", "from last week", now - 151 * 3600});
    Commit(LogChat{"new", "from just now", now - 60});
  }
  // Returns once the writer has been through its periodic work since the
  // call: it does that work before taking each batch, so the second of two
  // events committed one after the other was taken after such a pass.
  void SyncWithWriter() {
    Commit(UserJoined{"sync"});
    Commit(UserJoined{"sync"});
  }
  std::optional<int64_t> LastMaintenance() {
    return raw_->Int("SELECT value FROM roseyd_meta WHERE key = 'last_maintenance'");
  }
};

TEST_F(RetentionTest, KeepsOldChatUntilTheIntervalPasses) {
  StoreConfig config;
  config.retention_interval = seconds(3600);
  Open(config);
  SubmitOldAndNewChat();
  fake_clock_.Advance(seconds(3599));
  SyncWithWriter();
  EXPECT_EQ(Count("recent_chat"), 2);
  fake_clock_.Advance(seconds(1));
  SyncWithWriter();
  EXPECT_EQ(Count("recent_chat"), 1);
}

TEST_F(RetentionTest, PrunesOnlyChatOlderThanRetentionOncePerInterval) {
  StoreConfig config;
  config.retention_interval = seconds(60);
  Open(config);
  SubmitOldAndNewChat();
  fake_clock_.Advance(seconds(60));
  SyncWithWriter();
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(raw_->Text("SELECT username FROM recent_chat"), "new");
  // Old chat written after a pass stays until the next one.
  Commit(LogChat{"late", "old too", fake_clock_.UnixNow() - 151 * 3600});
  fake_clock_.Advance(seconds(59));
  SyncWithWriter();
  EXPECT_EQ(Count("recent_chat"), 2);
  fake_clock_.Advance(seconds(1));
  SyncWithWriter();
  EXPECT_EQ(Count("recent_chat"), 1);
}

TEST_F(RetentionTest, MaintenanceDeletesExpiredRowsAndRecordsItsRun) {
  StoreConfig config;
  config.maintenance_interval = seconds(1);
  Open(config);
  const int64_t now = fake_clock_.UnixNow();
  const int64_t day = 86400;
  const std::string sql =
      "INSERT INTO user_count_history (timestamp, chat_users, connected_users) VALUES (" +
      std::to_string(now - 31 * day) + ", 1, 1), (" + std::to_string(now - 29 * day) +
      ", 2, 2);"
      "INSERT INTO outbound_messages (timestamp, message, sent, sent_timestamp) VALUES "
      "(1, 'old sent', 1, " +
      std::to_string(now - 8 * day) +
      "), "
      "(1, 'recent sent', 1, " +
      std::to_string(now - 6 * day) +
      "), "
      "(1, 'old unsent', 0, NULL);"
      "INSERT INTO api_tokens (token, created_at, revoked) VALUES "
      "('a', " +
      std::to_string(now - 91 * day) +
      ", 1), "
      "('b', " +
      std::to_string(now - 91 * day) +
      ", 0), "
      "('c', " +
      std::to_string(now - 89 * day) + ", 1);";
  ASSERT_EQ(raw_->Exec(sql), "");
  fake_clock_.Advance(seconds(1));
  SyncWithWriter();
  EXPECT_GE(LastMaintenance().value_or(0), now);
  EXPECT_EQ(raw_->Int("SELECT chat_users FROM user_count_history"), 2);
  EXPECT_EQ(Count("user_count_history"), 1);
  EXPECT_EQ(Count("outbound_messages"), 2);
  EXPECT_EQ(raw_->Int("SELECT COUNT(*) FROM outbound_messages WHERE message = 'old sent'"), 0);
  EXPECT_EQ(raw_->Text("SELECT group_concat(token, ',') FROM "
                       "(SELECT token FROM api_tokens ORDER BY token)"),
            "b,c");
}

// The last run is kept in the file, so a restart neither skips maintenance
// nor runs it early; it is due one interval after the recorded run.
TEST_F(RetentionTest, MaintenanceRecordedBeforeARestartKeepsItsSchedule) {
  StoreConfig config;
  config.maintenance_interval = seconds(3600);
  Open(config);
  const int64_t recorded = fake_clock_.UnixNow() - 600;
  ASSERT_EQ(raw_->Exec("INSERT OR REPLACE INTO roseyd_meta (key, value) VALUES "
                       "('last_maintenance', " +
                       std::to_string(recorded) + ")"),
            "");
  writer_->Stop();
  Open(config);  // the restart reads the record: due in 3000 s
  fake_clock_.Advance(seconds(2999));
  SyncWithWriter();
  EXPECT_EQ(LastMaintenance(), recorded);
  fake_clock_.Advance(seconds(1));
  SyncWithWriter();
  EXPECT_EQ(LastMaintenance(), fake_clock_.UnixNow());
}

// Prints a figure; asserts nothing about speed.
TEST(EventWriterBenchmark, ChatMessagesThroughEventWriter) {
  testing::TempDir dir;
  StoreConfig config;
  config.synchronous = "normal";
  RecordingListener listener;
  auto writer = OpenSqliteEventWriter(config, dir.File("bench.db"), &listener);
  writer->Start();
  {
    RawSqlite raw(dir.File("bench.db"));  // users exist, so each event updates and inserts
    ASSERT_EQ(raw.Exec("INSERT INTO user_stats (username, first_seen, last_seen) VALUES "
                       "('alice', 1, 1), ('bob', 1, 1)"),
              "");
  }
  constexpr int kEvents = 100000;
  std::vector<Event> events;
  events.reserve(kEvents);
  for (int i = 0; i < kEvents; ++i) {
    events.push_back(Event{
        ChatMessage{i % 2 ? "alice" : "bob", "benchmark chat line number " + std::to_string(i)},
        kNow, std::chrono::steady_clock::now(), 0});
  }
  const auto started = std::chrono::steady_clock::now();
  uint64_t last = 0;
  for (auto& event : events) ASSERT_OK(writer->Submit(std::move(event), &last));
  ASSERT_OK(writer->WaitCommitted(last, started + std::chrono::seconds(120)));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto sizes = listener.batch_sizes();
  std::printf(
      "[ figure ] %d ChatMessage events (user_stats update + recent_chat insert) in "
      "%.3f s = %.0f events/s; %zu transactions, mean batch %.1f (synchronous=normal)\n",
      kEvents, elapsed, kEvents / elapsed, sizes.size(),
      static_cast<double>(kEvents) / static_cast<double>(sizes.size()));
  writer->Stop();
  RawSqlite raw(dir.File("bench.db"));
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM recent_chat"), kEvents);
}

// Durable intake resumes after the last stream sequence in the file, which
// the writer records with the rows of the same transaction.
TEST_F(EventWriterTest, LastStreamSequenceIsKeptWithTheRowsAndSurvivesReopening) {
  EXPECT_EQ(writer_->StreamPosition(), 0u);
  Commit(ChatMessage{"alice", "no stream"});  // core NATS events carry none
  EXPECT_EQ(writer_->StreamPosition(), 0u);
  uint64_t seq = 0;
  for (uint64_t stream_seq = 41; stream_seq <= 43; ++stream_seq) {
    Event event{ChatMessage{"alice", "line " + std::to_string(stream_seq)}, kNow, {}, 0};
    event.stream_seq = stream_seq;
    ASSERT_OK(writer_->Submit(std::move(event), &seq));
  }
  ASSERT_OK(writer_->WaitCommitted(seq, Deadline()));
  EXPECT_EQ(writer_->StreamPosition(), 43u);
  EXPECT_EQ(raw_->Int("SELECT CAST(value AS INTEGER) FROM roseyd_meta "
                      "WHERE key = 'jetstream.ROSEY_DB.last_seq'"),
            43);
  writer_->Stop();
  Open();
  EXPECT_EQ(writer_->StreamPosition(), 43u);
}

}  // namespace
}  // namespace roseyd::store
