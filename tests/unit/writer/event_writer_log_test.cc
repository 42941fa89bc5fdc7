// What the writer logs when writes fail or stall, as an operator reads it at
// 3 a.m.: a failed prune is a warning that says when it runs again; nothing
// says "will retry" where nothing will; commits that stall while events wait
// are reported once, and once more when they flow. Time is a fake clock.
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/writer/log_capture.h"
#include "unit/writer/writer_fixture.h"
#include "writer/event_writer.h"

namespace roseyd::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class EventWriterLogTest : public WriterTest {
 protected:
  void SetUp() override {}
  void OpenLocked(StoreConfig config) {
    config.busy_timeout = milliseconds(20);
    Open(config, true, &fake_clock_);
    locker_ = std::make_unique<RawSqlite>(path());
    ASSERT_EQ(locker_->Exec("BEGIN IMMEDIATE"), "");
  }

  void TearDown() override { writer_.reset(); }  // logs its stop while log_ lives

  LogCapture log_;
  std::unique_ptr<RawSqlite> locker_;  // holds the file's write lock
};

TEST_F(EventWriterLogTest, AFailedPruneIsAWarningThatSaysWhenItRunsAgain) {
  StoreConfig config;
  config.retention_interval = seconds(3600);
  OpenLocked(config);
  fake_clock_.AwaitWaiters(1);  // the writer idles until an event or a timer
  fake_clock_.Advance(seconds(3600));
  ASSERT_TRUE(listener_.AwaitWriteErrors(1));
  ASSERT_EQ(locker_->Exec("COMMIT"), "");
  const std::string log = log_.text();
  EXPECT_NE(log.find("warning store: pruning recent_chat failed: busy: "), std::string::npos)
      << log;
  EXPECT_NE(log.find("; tried again in 1 h\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("will retry"), std::string::npos) << log;
  EXPECT_FALSE(log.rfind("error ", 0) == 0 || log.find("\nerror ") != std::string::npos) << log;
}

TEST_F(EventWriterLogTest, CommitsThatStallAreReportedOnceAndAgainWhenTheyFlow) {
  OpenLocked(StoreConfig{});
  uint64_t seq = 0;
  ASSERT_OK(writer_->Submit(Event{UserJoined{"patient"}, kNow, {}, 0}, &seq));
  ASSERT_TRUE(listener_.AwaitWriteErrors(1));  // its batch is in, failing
  EXPECT_FALSE(writer_->CheckStall());         // not for long yet
  fake_clock_.Advance(EventWriter::kStallWarning - seconds(1));
  EXPECT_FALSE(writer_->CheckStall());
  fake_clock_.Advance(seconds(1));
  EXPECT_TRUE(writer_->CheckStall());
  fake_clock_.Advance(seconds(10));
  EXPECT_FALSE(writer_->CheckStall());  // said once
  ASSERT_EQ(locker_->Exec("COMMIT"), "");
  fake_clock_.AwaitWaiters(1);  // retrying with back-off, or done and idle
  fake_clock_.Advance(seconds(10));
  ASSERT_TRUE(listener_.AwaitCommitted(seq));
  EXPECT_FALSE(writer_->CheckStall());
  writer_->Stop();  // the writer thread has logged all it will
  const std::string log = log_.text();
  EXPECT_EQ(Occurrences(log, "warning store: no commit for 5.0 s while 1 event waits: the writer "
                             "is still committing a batch;"),
            1u)
      << log;
  // After 15 s, or 25 s if the lock went while the writer waited out a back-off.
  EXPECT_EQ(Occurrences(log, "info store: commits flow again: a batch of 1 event committed "
                             "after "),
            1u)
      << log;
}

TEST_F(EventWriterLogTest, IdleOrQuickWritersReportNoStall) {
  Open(StoreConfig{}, true, &fake_clock_);
  fake_clock_.AwaitWaiters(1);
  fake_clock_.Advance(seconds(30));  // idle: nothing waits
  EXPECT_FALSE(writer_->CheckStall());
  Commit(UserJoined{"quick"});
  fake_clock_.Advance(seconds(30));
  EXPECT_FALSE(writer_->CheckStall());
  EXPECT_EQ(log_.text().find("no commit"), std::string::npos) << log_.text();
}

// A store writer that lost its claim: every batch fails, and none will
// commit here again.
class FencedOffStore : public StoreWriter {
 public:
  Status ApplyBatch(std::span<Event>, std::vector<RefusedEvent>*) override {
    return Status::Unavailable("this roseyd lost the writer's claim on the test store");
  }
  uint64_t StreamPosition() const override { return 0; }
  Status CloseSessions(int64_t) override { return Status::OK(); }
  Status PruneRecentChat(int64_t) override { return Status::OK(); }
  Status PurgeExpiredKeys(int64_t, int64_t*) override { return Status::OK(); }
  Status Maintain(int64_t) override { return Status::OK(); }
  std::optional<int64_t> LastMaintenance() override { return std::nullopt; }
  ClaimView Claim() const override { return ClaimView{.lost = true, .held_until = {}}; }
};

TEST(EventWriterClaimLogTest, AWriterWithoutTheClaimNeverSaysItWillRetry) {
  LogCapture log;
  RecordingListener listener;
  EventWriter writer(std::make_unique<FencedOffStore>(), StoreConfig{}, &listener);
  writer.Start();
  ASSERT_OK(writer.Submit(Event{UserJoined{"late"}, kNow, {}, 0}));
  ASSERT_TRUE(listener.AwaitWriteErrors(2));  // the first failure's handling is over
  writer.Stop();
  const std::string text = log.text();
  EXPECT_EQ(text.find("will retry"), std::string::npos) << text;
  EXPECT_NE(text.find("could not commit before the stop"), std::string::npos) << text;
}

}  // namespace
}  // namespace roseyd::store
