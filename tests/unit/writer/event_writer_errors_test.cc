// How the EventWriter fails: at startup by throwing, in the steady state by
// rejecting one event or retrying a whole batch.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "support/eventually.h"
#include "unit/writer/writer_fixture.h"
#include "writer/event_writer.h"
#include "writer/sqlite_event_writer.h"

namespace roseyd::store {
namespace {

using std::chrono::milliseconds;

// Constructs an EventWriter on `path` and returns the StartupError's text,
// or "" if it opened.
std::string OpenError(const std::string& path, const StoreConfig& config = StoreConfig{}) {
  try {
    auto writer = OpenSqliteEventWriter(config, path, nullptr);
  } catch (const StartupError& e) {
    EXPECT_EQ(e.subsystem(), "store");
    return e.what();
  }
  return "";
}

TEST(EventWriterStartupTest, MissingDirectoryIsRefusedWithItsPath) {
  testing::TempDir dir;
  const std::string path = dir.File("no/such/dir/rosey.db");
  const std::string error = OpenError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

TEST(EventWriterStartupTest, CorruptFileIsRefusedWithItsPath) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db");
  {
    std::ofstream out(path, std::ios::binary);
    std::mt19937 random(42);
    for (int i = 0; i < 8192; ++i) out.put(static_cast<char>(random() & 0xff));
  }
  const std::string error = OpenError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("not a database"), std::string::npos) << error;
}

TEST(EventWriterStartupTest, ReadOnlyFileIsRefusedWithItsPath) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db");
  { auto create = OpenSqliteEventWriter(StoreConfig{}, path, nullptr); }
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  if (access(path.c_str(), W_OK) == 0) {
    GTEST_SKIP() << "running with privileges that ignore file modes (root?): "
                    "a 0444 file stays writable, so the read-only case cannot be made";
  }
  const std::string error = OpenError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("read-only"), std::string::npos) << error;
}

TEST(EventWriterStartupTest, UnreadableFileIsRefusedWithItsPath) {
  testing::TempDir dir;
  const std::string path = dir.File("rosey.db");
  { auto create = OpenSqliteEventWriter(StoreConfig{}, path, nullptr); }
  ASSERT_EQ(chmod(path.c_str(), 0), 0);
  if (access(path.c_str(), R_OK) == 0) {
    GTEST_SKIP() << "running with privileges that ignore file modes (root?): "
                    "a mode 0 file stays readable, so the unreadable case cannot be made";
  }
  const std::string error = OpenError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
}

TEST(EventWriterStartupTest, UnwritableDirectoryIsRefusedWithItsPath) {
  testing::TempDir dir;
  const std::string sub = dir.File("locked");
  ASSERT_EQ(mkdir(sub.c_str(), 0555), 0);
  if (access(sub.c_str(), W_OK) == 0) {
    GTEST_SKIP() << "running with privileges that ignore file modes (root?): "
                    "a 0555 directory stays writable, so the case cannot be made";
  }
  const std::string path = sub + "/rosey.db";
  const std::string error = OpenError(path);
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("not writable"), std::string::npos) << error;
}

TEST(EventWriterStartupTest, UnknownSynchronousLevelIsRefused) {
  testing::TempDir dir;
  StoreConfig config;
  config.synchronous = "sometimes";
  const std::string error = OpenError(dir.File("rosey.db"), config);
  EXPECT_NE(error.find("synchronous"), std::string::npos) << error;
}

TEST(EventWriterStartupTest, OpensInWalModeWithConfiguredSynchronous) {
  testing::TempDir dir;
  StoreConfig config;
  config.synchronous = "full";
  auto writer = OpenSqliteEventWriter(config, dir.File("rosey.db"), nullptr);
  RawSqlite raw(dir.File("rosey.db"));
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
}

class EventWriterFailureTest : public WriterTest {
 protected:
  // Whether the writer reports a failed write within 10 s.
  bool AWriteFailed() {
    return ::roseyd::testing::Eventually([&] { return !listener_.write_errors().empty(); });
  }

  // A trigger, as another tool could add to the shared file, that refuses
  // one particular chat line: a failure in that event's own data.
  void PoisonRecentChat(const char* raise = "ABORT") {
    ASSERT_EQ(raw_->Exec(std::string("CREATE TRIGGER poison BEFORE INSERT ON recent_chat "
                                     "WHEN NEW.message = 'poison' BEGIN SELECT RAISE(") +
                         raise + ", 'poisoned row'); END;"),
              "");
  }

  // Submits all of `writes` (so they share batches) and waits for the last.
  void CommitAll(std::vector<Write> writes) {
    uint64_t last = 0;
    for (auto& w : writes) ASSERT_OK(writer_->Submit(Event{std::move(w), kNow, {}, 0}, &last));
    ASSERT_OK(writer_->WaitCommitted(last, Deadline()));
  }
};

TEST_F(EventWriterFailureTest, DataErrorRejectsOnlyItsEvent) {
  PoisonRecentChat();
  CommitAll({LogChat{"a", "one", std::nullopt}, LogChat{"b", "poison", std::nullopt},
             LogChat{"c", "three", std::nullopt}, UserCount{1, 2}});
  ASSERT_EQ(listener_.rejected_seqs().size(), 1u);
  EXPECT_EQ(listener_.rejections()[0].code(), Status::Code::kInvalidArgument);
  EXPECT_NE(listener_.rejections()[0].message().find("poisoned row"), std::string::npos);
  EXPECT_EQ(Count("recent_chat"), 2);
  EXPECT_EQ(Count("user_count_history"), 1);
  EXPECT_EQ(writer_->LastCommitted(), writer_->LastSubmitted());
  EXPECT_TRUE(listener_.write_errors().empty());
  const auto committed = listener_.committed_seqs();
  EXPECT_EQ(committed.size(), 3u);  // the rejected event is not reported as durable
  EXPECT_EQ(std::count(committed.begin(), committed.end(), listener_.rejected_seqs()[0]), 0);
}

TEST_F(EventWriterFailureTest, RejectedEventLeavesNoPartialRows) {
  Commit(UserJoined{"alice"});
  PoisonRecentChat();
  CommitAll({ChatMessage{"alice", "fine"}, ChatMessage{"alice", "poison"},
             ChatMessage{"alice", "also fine"}});
  ASSERT_EQ(listener_.rejected_seqs().size(), 1u);
  // The poisoned event's user_stats update is undone along with its row.
  EXPECT_EQ(raw_->Int("SELECT total_chat_lines FROM user_stats"), 2);
  EXPECT_EQ(Count("recent_chat"), 2);
}

TEST_F(EventWriterFailureTest, RejectionThatRollsBackTheTransactionKeepsTheOthers) {
  PoisonRecentChat("ROLLBACK");  // SQLite ends the whole transaction here
  CommitAll({LogChat{"a", "one", std::nullopt}, LogChat{"b", "poison", std::nullopt},
             LogChat{"c", "three", std::nullopt}});
  EXPECT_EQ(listener_.rejected_seqs().size(), 1u);
  EXPECT_EQ(Count("recent_chat"), 2);
}

TEST_F(EventWriterFailureTest, LockedFileIsRetriedAndNothingIsDropped) {
  StoreConfig config;
  config.busy_timeout = milliseconds(20);
  writer_.reset();
  Open(config);
  RawSqlite locker(path());
  ASSERT_EQ(locker.Exec("BEGIN IMMEDIATE"), "");
  uint64_t seq = 0;
  ASSERT_OK(writer_->Submit(Event{UserJoined{"patient"}, kNow, {}, 0}, &seq));
  ASSERT_TRUE(AWriteFailed());
  EXPECT_EQ(listener_.write_errors()[0].code(), Status::Code::kBusy);
  EXPECT_LT(writer_->LastCommitted(), seq);
  ASSERT_EQ(locker.Exec("COMMIT"), "");
  ASSERT_OK(writer_->WaitCommitted(seq, Deadline()));
  EXPECT_EQ(Count("user_stats"), 1);
  EXPECT_TRUE(listener_.rejections().empty());
}

TEST_F(EventWriterFailureTest, StopInterruptsBackoffAndCommitsOnceUnlocked) {
  StoreConfig config;
  config.busy_timeout = milliseconds(20);
  writer_.reset();
  Open(config);
  auto locker = std::make_unique<RawSqlite>(path());
  ASSERT_EQ(locker->Exec("BEGIN IMMEDIATE"), "");
  ASSERT_OK(writer_->Submit(Event{UserJoined{"late"}, kNow, {}, 0}));
  ASSERT_TRUE(AWriteFailed());
  std::thread unlock([&] {
    std::this_thread::sleep_for(milliseconds(150));
    EXPECT_EQ(locker->Exec("COMMIT"), "");
  });
  writer_->Stop();  // retries a few times at shutdown; the lock goes meanwhile
  unlock.join();
  EXPECT_EQ(Count("user_stats"), 1);
}

}  // namespace
}  // namespace roseyd::store
