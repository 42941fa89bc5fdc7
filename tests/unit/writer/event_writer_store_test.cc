// The EventWriter's batching loop against a scripted StoreWriter and a fake
// clock: how it retries a failed batch, reports a refused event once, keeps
// the stream position, and calls the housekeeping with the clock's time.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "base/mutex.h"
#include "store/store.h"
#include "support/status_matchers.h"
#include "unit/writer/fake_clock.h"
#include "unit/writer/writer_fixture.h"
#include "writer/event_writer.h"

namespace roseyd::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A StoreWriter that answers each ApplyBatch from a script and records what
// the writer asked of it.
class ScriptedStore : public StoreWriter {
 public:
  struct Answer {
    Status status;
    std::vector<size_t> refuse;  // indexes to report as refused
  };

  // State shared with the test, which keeps it after the writer owns the store.
  struct Log {
    Mutex mu;
    CondVar changed{&mu};
    std::deque<Answer> script GUARDED_BY(mu);  // empty: OK
    std::vector<size_t> batch_sizes GUARDED_BY(mu);
    std::vector<size_t> rejected_on_entry GUARDED_BY(mu);
    std::vector<int64_t> unix_times GUARDED_BY(mu);
    std::vector<int64_t> prune_cutoffs GUARDED_BY(mu);
    std::vector<int64_t> purged_at GUARDED_BY(mu);
    std::vector<int64_t> closed_at GUARDED_BY(mu);
    uint64_t position GUARDED_BY(mu) = 0;
  };

  explicit ScriptedStore(Log* log) : log_(log) {}

  Status ApplyBatch(std::span<Event> batch, std::vector<RefusedEvent>* rejected) override {
    MutexLock lock(&log_->mu);
    log_->batch_sizes.push_back(batch.size());
    log_->rejected_on_entry.push_back(rejected->size());
    for (const Event& e : batch) log_->unix_times.push_back(e.unix_time);
    Answer answer;
    if (!log_->script.empty()) {
      answer = log_->script.front();
      log_->script.pop_front();
    }
    for (size_t i : answer.refuse)
      rejected->push_back(RefusedEvent{i, Status::InvalidArgument("no")});
    if (answer.status.ok()) {
      for (const Event& e : batch) log_->position = std::max(log_->position, e.stream_seq);
    }
    log_->changed.SignalAll();
    return answer.status;
  }
  uint64_t StreamPosition() const override {
    MutexLock lock(&log_->mu);
    return log_->position;
  }
  Status CloseSessions(int64_t now) override {
    MutexLock lock(&log_->mu);
    log_->closed_at.push_back(now);
    return Status::OK();
  }
  Status PruneRecentChat(int64_t cutoff) override {
    MutexLock lock(&log_->mu);
    log_->prune_cutoffs.push_back(cutoff);
    log_->changed.SignalAll();
    return Status::OK();
  }
  Status PurgeExpiredKeys(int64_t now, int64_t* purged) override {
    MutexLock lock(&log_->mu);
    log_->purged_at.push_back(now);
    *purged = 0;
    log_->changed.SignalAll();
    return Status::OK();
  }
  Status Maintain(int64_t) override { return Status::OK(); }
  std::optional<int64_t> LastMaintenance() override { return std::nullopt; }

 private:
  Log* const log_;
};

class EventWriterStoreTest : public ::testing::Test {
 protected:
  void Open(StoreConfig config = StoreConfig{}) {
    config.batch_max_delay = milliseconds(0);  // no linger: batches are what was queued
    writer_ = std::make_unique<EventWriter>(std::make_unique<ScriptedStore>(&log_), config,
                                            &listener_, &clock_);
  }
  void Script(Status status, std::vector<size_t> refuse = {}) {
    MutexLock lock(&log_.mu);
    log_.script.push_back({std::move(status), std::move(refuse)});
  }
  uint64_t Submit(Event event) {
    uint64_t seq = 0;
    EXPECT_OK(writer_->Submit(std::move(event), &seq));
    return seq;
  }
  static Event Line(uint64_t stream_seq = 0) {
    Event event{ChatMessage{"u", "line"}, kNow, {}, 0};
    event.stream_seq = stream_seq;
    return event;
  }
  size_t Attempts() {
    MutexLock lock(&log_.mu);
    return log_.batch_sizes.size();
  }

  ScriptedStore::Log log_;
  FakeClock clock_{kNow};
  RecordingListener listener_;
  std::unique_ptr<EventWriter> writer_;
};

TEST_F(EventWriterStoreTest, AFailedBatchIsRetriedWholeAfterTheBackOff) {
  Open();
  Script(Status::Busy("locked"));
  const uint64_t seq = Submit(Line());
  writer_->Start();
  ASSERT_TRUE(listener_.AwaitWriteErrors(1));
  clock_.AwaitWaiters(1);  // backing off
  clock_.Advance(milliseconds(49));
  EXPECT_EQ(Attempts(), 1u);  // the first back-off is 50 ms
  clock_.Advance(milliseconds(1));
  ASSERT_TRUE(listener_.AwaitCommitted(seq));
  EXPECT_EQ(Attempts(), 2u);
  EXPECT_EQ(listener_.write_errors().size(), 1u);
  EXPECT_EQ(listener_.write_errors()[0].code(), Status::Code::kBusy);
}

TEST_F(EventWriterStoreTest, ARefusedEventIsReportedOnceAndLeftOutOfTheCommit) {
  Open();
  Script(Status::IoError("disk"), {0});  // refuses the first, then fails as a whole
  const uint64_t refused = Submit(Line());
  const uint64_t kept = Submit(Line());
  writer_->Start();
  ASSERT_TRUE(listener_.AwaitWriteErrors(1));
  clock_.AwaitWaiters(1);
  clock_.Advance(milliseconds(50));
  ASSERT_OK(writer_->WaitCommitted(kept, std::chrono::steady_clock::now() + seconds(30)));
  EXPECT_EQ(listener_.rejected_seqs(), (std::vector<uint64_t>{refused}));
  EXPECT_EQ(listener_.committed_seqs(), (std::vector<uint64_t>{kept}));
  EXPECT_EQ(writer_->LastCommitted(), kept);
  MutexLock lock(&log_.mu);
  EXPECT_EQ(log_.rejected_on_entry, (std::vector<size_t>{0, 1}));  // the retry skips it
}

TEST_F(EventWriterStoreTest, StreamPositionStartsAtTheStoresAndFollowsItsCommits) {
  {
    MutexLock lock(&log_.mu);
    log_.position = 7;
  }
  Open();
  EXPECT_EQ(writer_->StreamPosition(), 7u);
  writer_->Start();
  Script(Status::Busy("locked"));
  const uint64_t seq = Submit(Line(9));
  ASSERT_TRUE(listener_.AwaitWriteErrors(1));
  EXPECT_EQ(writer_->StreamPosition(), 7u);  // not committed yet
  clock_.AwaitWaiters(1);
  clock_.Advance(milliseconds(50));
  ASSERT_TRUE(listener_.AwaitCommitted(seq));
  EXPECT_EQ(writer_->StreamPosition(), 9u);
}

TEST_F(EventWriterStoreTest, UsesItsClockForUnstampedEventsRetentionAndClosing) {
  StoreConfig config;
  config.retention_interval = seconds(60);
  config.recent_chat_retention_hours = 150;
  Open(config);
  writer_->Start();
  clock_.Advance(seconds(10));
  Event unstamped = Line();
  unstamped.unix_time = 0;
  ASSERT_TRUE(listener_.AwaitCommitted(Submit(std::move(unstamped))));
  clock_.Advance(seconds(50));  // the first retention pass is due
  {
    MutexLock lock(&log_.mu);
    while (log_.prune_cutoffs.empty()) log_.changed.Wait();
    EXPECT_EQ(log_.unix_times, (std::vector<int64_t>{kNow + 10}));
    EXPECT_EQ(log_.prune_cutoffs, (std::vector<int64_t>{kNow + 60 - 150 * 3600}));
  }
  clock_.Advance(seconds(5));
  writer_->Stop();
  MutexLock lock(&log_.mu);
  EXPECT_EQ(log_.closed_at, (std::vector<int64_t>{kNow + 65}));
}

// The original purged expired plugin keys every 300 s, the first time 300 s
// after start; roseyd does so every store.kv_purge_interval.
TEST_F(EventWriterStoreTest, PurgesExpiredPluginKeysEveryPeriodFromItsStart) {
  StoreConfig config;
  config.kv_purge_interval = seconds(300);
  config.retention_interval = seconds(3600);
  Open(config);
  writer_->Start();
  clock_.AwaitWaiters(1);
  clock_.Advance(seconds(299));
  {
    MutexLock lock(&log_.mu);
    EXPECT_TRUE(log_.purged_at.empty());
  }
  clock_.Advance(seconds(1));
  {
    MutexLock lock(&log_.mu);
    while (log_.purged_at.empty()) log_.changed.Wait();
  }
  clock_.AwaitWaiters(1);
  clock_.Advance(seconds(300));
  MutexLock lock(&log_.mu);
  while (log_.purged_at.size() < 2) log_.changed.Wait();
  EXPECT_EQ(log_.purged_at, (std::vector<int64_t>{kNow + 300, kNow + 600}));
}

}  // namespace
}  // namespace roseyd::store
