#include "store/event_writer.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "store/reader.h"
#include "unit/store/writer_fixture.h"

namespace roseyd::store {
namespace {

using std::chrono::seconds;

class EventWriterTest : public WriterTest {
 protected:
  std::string UserField(const std::string& user, const std::string& column) {
    return "SELECT " + column + " FROM user_stats WHERE username = '" + user + "'";
  }
  std::optional<int64_t> User(const std::string& user, const std::string& column) {
    return raw_->Int(UserField(user, column));
  }
};

TEST_F(EventWriterTest, UserJoinedInsertsNewUserWithOpenSession) {
  Commit(UserJoined{"alice"}, kNow);
  EXPECT_EQ(User("alice", "first_seen"), kNow);
  EXPECT_EQ(User("alice", "last_seen"), kNow);
  EXPECT_EQ(User("alice", "current_session_start"), kNow);
  EXPECT_EQ(User("alice", "total_chat_lines"), 0);
  EXPECT_EQ(User("alice", "total_time_connected"), 0);
}

TEST_F(EventWriterTest, UserJoinedTwiceKeepsFirstSeenAndRestartsSession) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(UserJoined{"alice"}, kNow + 50);
  EXPECT_EQ(Count("user_stats"), 1);
  EXPECT_EQ(User("alice", "first_seen"), kNow);
  EXPECT_EQ(User("alice", "last_seen"), kNow + 50);
  EXPECT_EQ(User("alice", "current_session_start"), kNow + 50);
  EXPECT_EQ(User("alice", "total_time_connected"), 0);
}

TEST_F(EventWriterTest, UserLeftAddsSessionTimeAndClosesSession) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(UserLeft{"alice"}, kNow + 90);
  EXPECT_EQ(User("alice", "total_time_connected"), 90);
  EXPECT_EQ(User("alice", "last_seen"), kNow + 90);
  EXPECT_EQ(User("alice", "current_session_start"), std::nullopt);
}

TEST_F(EventWriterTest, UserLeftWithoutOpenSessionChangesNothing) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(UserLeft{"alice"}, kNow + 10);
  Commit(UserLeft{"alice"}, kNow + 500);   // no session open any more
  Commit(UserLeft{"nobody"}, kNow + 500);  // unknown user
  EXPECT_EQ(User("alice", "total_time_connected"), 10);
  EXPECT_EQ(User("alice", "last_seen"), kNow + 10);
  EXPECT_EQ(Count("user_stats"), 1);
}

TEST_F(EventWriterTest, ChatMessageCountsLineAndLogsIt) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(ChatMessage{"alice", "hello"}, kNow + 5);
  Commit(ChatMessage{"alice", "again"}, kNow + 6);
  EXPECT_EQ(User("alice", "total_chat_lines"), 2);
  EXPECT_EQ(User("alice", "last_seen"), kNow + 6);
  EXPECT_EQ(Count("recent_chat"), 2);
  EXPECT_EQ(raw_->Text("SELECT message FROM recent_chat ORDER BY id DESC"), "again");
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM recent_chat ORDER BY id DESC"), kNow + 6);
}

TEST_F(EventWriterTest, ChatMessageFromUnknownUserIsLoggedButNotCounted) {
  Commit(ChatMessage{"ghost", "boo"}, kNow);
  EXPECT_EQ(Count("user_stats"), 0);
  EXPECT_EQ(raw_->Text("SELECT username FROM recent_chat"), "ghost");
}

TEST_F(EventWriterTest, ServerMessagesAreCountedButNeverLogged) {
  Commit(UserJoined{"Server"}, kNow);
  Commit(ChatMessage{"server", "a"}, kNow);
  Commit(ChatMessage{"Server", "b"}, kNow);
  Commit(ChatMessage{"SERVER", "c"}, kNow);
  Commit(ChatMessage{"servers", "d"}, kNow);  // only the exact name is skipped
  EXPECT_EQ(User("Server", "total_chat_lines"), 1);
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(raw_->Text("SELECT username FROM recent_chat"), "servers");
}

TEST_F(EventWriterTest, EmptyChatMessageIsCountedButNotLogged) {
  Commit(UserJoined{"alice"}, kNow);
  Commit(ChatMessage{"alice", ""}, kNow);
  EXPECT_EQ(User("alice", "total_chat_lines"), 1);
  EXPECT_EQ(Count("recent_chat"), 0);
}

TEST_F(EventWriterTest, UserCountAppendsHistoryRow) {
  Commit(UserCount{12, 40}, kNow);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM user_count_history"), kNow);
  EXPECT_EQ(raw_->Int("SELECT chat_users FROM user_count_history"), 12);
  EXPECT_EQ(raw_->Int("SELECT connected_users FROM user_count_history"), 40);
}

TEST_F(EventWriterTest, HighWaterIsRaisedOnlyWhenExceeded) {
  Commit(HighWater{10, 20}, kNow);
  Commit(HighWater{5, 15}, kNow + 1);   // both lower: unchanged
  Commit(HighWater{10, 20}, kNow + 2);  // equal: unchanged
  EXPECT_EQ(raw_->Int("SELECT max_users FROM channel_stats"), 10);
  EXPECT_EQ(raw_->Int("SELECT max_users_timestamp FROM channel_stats"), kNow);
  EXPECT_EQ(raw_->Int("SELECT max_connected FROM channel_stats"), 20);
  EXPECT_EQ(raw_->Int("SELECT max_connected_timestamp FROM channel_stats"), kNow);
  EXPECT_EQ(raw_->Int("SELECT last_updated FROM channel_stats"), kNow);
  Commit(HighWater{11, 19}, kNow + 3);  // users only
  EXPECT_EQ(raw_->Int("SELECT max_users FROM channel_stats"), 11);
  EXPECT_EQ(raw_->Int("SELECT max_users_timestamp FROM channel_stats"), kNow + 3);
  EXPECT_EQ(raw_->Int("SELECT max_connected_timestamp FROM channel_stats"), kNow);
  EXPECT_EQ(raw_->Int("SELECT last_updated FROM channel_stats"), kNow + 3);
}

TEST_F(EventWriterTest, HighWaterWithNullConnectedLeavesConnectedAlone) {
  Commit(HighWater{7, std::nullopt}, kNow);
  EXPECT_EQ(raw_->Int("SELECT max_users FROM channel_stats"), 7);
  EXPECT_EQ(raw_->Int("SELECT max_connected FROM channel_stats"), 0);
  EXPECT_EQ(raw_->Int("SELECT max_connected_timestamp FROM channel_stats"), std::nullopt);
}

TEST_F(EventWriterTest, StatusUpdateStoresEachTypeAndSetsLastUpdated) {
  Commit(StatusUpdate{{{"bot_name", std::string("Rosey")},
                       {"bot_rank", 3.5},
                       {"current_chat_users", int64_t{42}},
                       {"current_media_title", std::monostate{}}}},
         kNow + 7);
  EXPECT_EQ(raw_->Text("SELECT bot_name FROM current_status"), "Rosey");
  EXPECT_EQ(raw_->Double("SELECT bot_rank FROM current_status"), 3.5);
  EXPECT_EQ(raw_->Type("SELECT current_chat_users FROM current_status"), SQLITE_INTEGER);
  EXPECT_EQ(raw_->Int("SELECT current_chat_users FROM current_status"), 42);
  EXPECT_EQ(raw_->Type("SELECT current_media_title FROM current_status"), SQLITE_NULL);
  EXPECT_EQ(raw_->Int("SELECT last_updated FROM current_status"), kNow + 7);
  EXPECT_EQ(Count("current_status"), 1);
}

TEST_F(EventWriterTest, StatusUpdateTouchesOnlyItsColumns) {
  Commit(StatusUpdate{{{"bot_name", std::string("Rosey")}, {"playlist_items", int64_t{3}}}});
  Commit(StatusUpdate{{{"playlist_items", int64_t{4}}}}, kNow + 10);
  Commit(StatusUpdate{{{"playlist_items", int64_t{5}}}}, kNow + 20);  // cached statement
  EXPECT_EQ(raw_->Text("SELECT bot_name FROM current_status"), "Rosey");
  EXPECT_EQ(raw_->Int("SELECT playlist_items FROM current_status"), 5);
  EXPECT_EQ(raw_->Int("SELECT last_updated FROM current_status"), kNow + 20);
}

TEST_F(EventWriterTest, StatusUpdateWithUnlistedColumnIsRejected) {
  Commit(StatusUpdate{{{"bot_name", std::string("x")}, {"id = 2; --", int64_t{1}}}});
  ASSERT_EQ(listener_.rejections().size(), 1u);
  EXPECT_EQ(listener_.rejections()[0].code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(raw_->Text("SELECT bot_name FROM current_status"), std::nullopt);
  EXPECT_EQ(Count("current_status"), 1);
}

class OutboundTest : public EventWriterTest {
 protected:
  void SetUp() override {
    EventWriterTest::SetUp();
    ASSERT_EQ(raw_->Exec("INSERT INTO outbound_messages (id, timestamp, message, sent) "
                         "VALUES (7, 100, 'hi', 0)"),
              "");
  }
  std::optional<int64_t> Field(const std::string& column) {
    return raw_->Int("SELECT " + column + " FROM outbound_messages WHERE id = 7");
  }
};

TEST_F(OutboundTest, MarkSentSetsSentAndTimestamp) {
  Commit(MarkSent{7}, kNow);
  EXPECT_EQ(Field("sent"), 1);
  EXPECT_EQ(Field("sent_timestamp"), kNow);
  EXPECT_EQ(Field("retry_count"), 0);
}

TEST_F(OutboundTest, TransientFailureCountsRetryAndKeepsMessageQueued) {
  Commit(MarkFailed{7, "timeout", false}, kNow);
  Commit(MarkFailed{7, "timeout again", false}, kNow);
  EXPECT_EQ(Field("sent"), 0);
  EXPECT_EQ(Field("sent_timestamp"), std::nullopt);
  EXPECT_EQ(Field("retry_count"), 2);
  EXPECT_EQ(raw_->Text("SELECT last_error FROM outbound_messages WHERE id = 7"), "timeout again");
}

TEST_F(OutboundTest, PermanentFailureMarksSentToStopRetries) {
  Commit(MarkFailed{7, "muted", true}, kNow);
  EXPECT_EQ(Field("sent"), 1);
  EXPECT_EQ(Field("sent_timestamp"), kNow);
  EXPECT_EQ(Field("retry_count"), 1);
  EXPECT_EQ(raw_->Text("SELECT last_error FROM outbound_messages WHERE id = 7"), "muted");
}

TEST_F(OutboundTest, MarkingAnUnknownIdChangesNothing) {
  Commit(MarkSent{999}, kNow);
  EXPECT_EQ(Field("sent"), 0);
  EXPECT_TRUE(listener_.rejections().empty());
}

TEST_F(EventWriterTest, UserActionUsesItsOwnTimestampWhenSet) {
  Commit(UserAction{"bob", "pm_command", "cmd=stats, result: pending", kNow - 3}, kNow);
  Commit(UserAction{"bob", "pm_command", "cmd=stats, result: success", std::nullopt}, kNow);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM user_actions WHERE id = 1"), kNow - 3);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM user_actions WHERE id = 2"), kNow);
  EXPECT_EQ(raw_->Text("SELECT username FROM user_actions WHERE id = 2"), "bob");
  EXPECT_EQ(raw_->Text("SELECT action_type FROM user_actions WHERE id = 2"), "pm_command");
  EXPECT_EQ(raw_->Text("SELECT details FROM user_actions WHERE id = 2"),
            "cmd=stats, result: success");
}

TEST_F(EventWriterTest, LogChatInsertsPlainRowWithItsTimestamp) {
  Commit(LogChat{"server", "not filtered here", kNow - 60}, kNow);
  Commit(LogChat{"carol", "hi", std::nullopt}, kNow);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM recent_chat WHERE username = 'server'"), kNow - 60);
  EXPECT_EQ(raw_->Int("SELECT timestamp FROM recent_chat WHERE username = 'carol'"), kNow);
  EXPECT_EQ(Count("user_stats"), 0);
}

TEST_F(EventWriterTest, InjectionStringsInEveryTextFieldLandVerbatim) {
  const std::vector<std::string> nasty = {"'; DROP TABLE user_stats; --",
                                          "Robert'); DELETE FROM recent_chat;--",
                                          "\" OR 1=1 --",
                                          std::string("nul\0byte", 8),
                                          "ünïcødé ☃ 🎉",
                                          "%s%n\\x00"};
  for (const std::string& s : nasty) {
    Commit(UserJoined{s});
    Commit(ChatMessage{s, s});
    Commit(LogChat{s, s, std::nullopt});
    Commit(UserAction{s, s, s, std::nullopt});
    Commit(StatusUpdate{{{"bot_name", s}, {"channel_name", s}, {"current_media_title", s}}});
    EXPECT_EQ(raw_->Text("SELECT bot_name FROM current_status"), s);
    EXPECT_EQ(raw_->Text("SELECT channel_name FROM current_status"), s);
    EXPECT_EQ(raw_->Text("SELECT current_media_title FROM current_status"), s);
    EXPECT_EQ(raw_->Text("SELECT message FROM recent_chat ORDER BY id DESC"), s);
    EXPECT_EQ(raw_->Text("SELECT username FROM recent_chat ORDER BY id DESC"), s);
    EXPECT_EQ(raw_->Text("SELECT details FROM user_actions ORDER BY id DESC"), s);
    EXPECT_EQ(raw_->Text("SELECT action_type FROM user_actions ORDER BY id DESC"), s);
  }
  ASSERT_EQ(raw_->Exec("INSERT INTO outbound_messages (id, timestamp, message) VALUES (1, 1, 'm')"),
            "");
  Commit(MarkFailed{1, nasty[0], false});
  EXPECT_EQ(raw_->Text("SELECT last_error FROM outbound_messages"), nasty[0]);
  EXPECT_EQ(Count("user_stats"), static_cast<int64_t>(nasty.size()));
  EXPECT_EQ(Count("recent_chat"), static_cast<int64_t>(2 * nasty.size()));
  Reader reader(path(), std::chrono::milliseconds(1000));
  for (const std::string& s : nasty) {
    std::optional<UserStatsRow> row;
    ASSERT_OK(reader.GetUserStats(s, &row));
    ASSERT_TRUE(row.has_value()) << s;
    EXPECT_EQ(row->username, s);
    EXPECT_EQ(row->total_chat_lines, 1);
  }
  EXPECT_TRUE(listener_.rejections().empty());
}

TEST_F(EventWriterTest, WaitCommittedMakesEventVisibleToReader) {
  Reader reader(path(), std::chrono::milliseconds(1000));
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

class GroupCommitTest : public WriterTest {
 protected:
  void SetUp() override {
    StoreConfig config;
    config.batch_max_delay = std::chrono::milliseconds(1000);  // long, to make lingering visible
    Open(config, /*start=*/false);
  }
  uint64_t Submit(int i) {
    uint64_t seq = 0;
    const Status s = writer_->Submit(Event{UserCount{i, i}, kNow, {}, 0}, &seq);
    EXPECT_OK(s);
    return seq;
  }
};

TEST_F(GroupCommitTest, LoneEventCommitsWithoutLingering) {
  writer_->Start();
  const uint64_t seq = Submit(1);
  const auto start = std::chrono::steady_clock::now();
  while (writer_->LastCommitted() < seq &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(writer_->LastCommitted(), seq);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(700));
}

TEST_F(GroupCommitTest, BurstLingersForMoreUpToTheDelay) {
  Submit(1);
  Submit(2);  // two waiting when the writer starts: a burst
  writer_->Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const uint64_t third = Submit(3);
  while (writer_->LastCommitted() < third) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(listener_.batch_sizes(), (std::vector<size_t>{3}));
}

TEST_F(GroupCommitTest, WaitCommittedCutsTheLingerShort) {
  Submit(1);
  const uint64_t last = Submit(2);
  writer_->Start();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(writer_->WaitCommitted(last, start + std::chrono::seconds(10)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(700));
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

class RetentionTest : public WriterTest {
 protected:
  void SetUp() override {}
  void SubmitOldAndNewChat() {
    const int64_t now = UnixNowForTest();
    Commit(LogChat{"old", "from last week", now - 151 * 3600});
    Commit(LogChat{"new", "from just now", now - 60});
  }
};

TEST_F(RetentionTest, KeepsOldChatUntilTheIntervalPasses) {
  StoreConfig config;
  config.retention_interval = seconds(3600);
  Open(config);
  SubmitOldAndNewChat();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Count("recent_chat"), 2);
}

TEST_F(RetentionTest, PrunesOnlyChatOlderThanRetentionOncePerInterval) {
  StoreConfig config;
  config.retention_interval = seconds(1);
  Open(config);
  SubmitOldAndNewChat();
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (Count("recent_chat") != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(Count("recent_chat"), 1);
  EXPECT_EQ(raw_->Text("SELECT username FROM recent_chat"), "new");
}

TEST_F(RetentionTest, MaintenanceDeletesExpiredRowsAndRecordsItsRun) {
  StoreConfig config;
  config.maintenance_interval = seconds(1);
  Open(config);
  const int64_t now = UnixNowForTest();
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
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (!raw_->Int("SELECT value FROM roseyd_meta WHERE key = 'last_maintenance'") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_GE(raw_->Int("SELECT value FROM roseyd_meta WHERE key = 'last_maintenance'").value_or(0),
            now);
  EXPECT_EQ(raw_->Int("SELECT chat_users FROM user_count_history"), 2);
  EXPECT_EQ(Count("user_count_history"), 1);
  EXPECT_EQ(Count("outbound_messages"), 2);
  EXPECT_EQ(raw_->Int("SELECT COUNT(*) FROM outbound_messages WHERE message = 'old sent'"), 0);
  EXPECT_EQ(raw_->Text("SELECT group_concat(token, ',') FROM "
                       "(SELECT token FROM api_tokens ORDER BY token)"),
            "b,c");
}

// Prints a figure; asserts nothing about speed.
TEST(EventWriterBenchmark, ChatMessagesThroughEventWriter) {
  testing::TempDir dir;
  StoreConfig config;
  config.synchronous = "normal";
  RecordingListener listener;
  EventWriter writer(config, dir.File("bench.db"), &listener);
  writer.Start();
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
  for (auto& event : events) ASSERT_OK(writer.Submit(std::move(event), &last));
  ASSERT_OK(writer.WaitCommitted(last, started + std::chrono::seconds(120)));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto sizes = listener.batch_sizes();
  std::printf(
      "[ figure ] %d ChatMessage events (user_stats update + recent_chat insert) in "
      "%.3f s = %.0f events/s; %zu transactions, mean batch %.1f (synchronous=normal)\n",
      kEvents, elapsed, kEvents / elapsed, sizes.size(),
      static_cast<double>(kEvents) / static_cast<double>(sizes.size()));
  writer.Stop();
  RawSqlite raw(dir.File("bench.db"));
  EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM recent_chat"), kEvents);
}

// Durable intake resumes after the last stream sequence in the file, which
// the writer records with the rows of the same transaction.
TEST_F(EventWriterTest, LastStreamSequenceIsKeptWithTheRowsAndSurvivesReopening) {
  EXPECT_EQ(writer_->LastStreamSeq(), 0u);
  Commit(ChatMessage{"alice", "no stream"});  // core NATS events carry none
  EXPECT_EQ(writer_->LastStreamSeq(), 0u);
  uint64_t seq = 0;
  for (uint64_t stream_seq = 41; stream_seq <= 43; ++stream_seq) {
    Event event{ChatMessage{"alice", "line " + std::to_string(stream_seq)}, kNow, {}, 0};
    event.stream_seq = stream_seq;
    ASSERT_OK(writer_->Submit(std::move(event), &seq));
  }
  ASSERT_OK(writer_->WaitCommitted(seq, Deadline()));
  EXPECT_EQ(writer_->LastStreamSeq(), 43u);
  EXPECT_EQ(raw_->Int("SELECT CAST(value AS INTEGER) FROM roseyd_meta "
                      "WHERE key = 'jetstream.ROSEY_DB.last_seq'"),
            43);
  writer_->Stop();
  Open();
  EXPECT_EQ(writer_->LastStreamSeq(), 43u);
}

}  // namespace
}  // namespace roseyd::store
