#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/mutex.h"
#include "store/clock.h"
#include "store/sqlite/sqlite_store.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"
#include "unit/writer/fake_clock.h"
#include "writer/event_writer.h"

namespace roseyd::store {

inline constexpr int64_t kNow = 1'700'000'000;  // a fixed "now" for event rows

inline int64_t UnixNowForTest() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Remembers what the writer reported, for assertions from the test thread.
class RecordingListener : public CommitListener {
 public:
  void OnCommitted(std::span<const Event> batch, std::chrono::nanoseconds) noexcept override {
    MutexLock lock(&mu_);
    batch_sizes_.push_back(batch.size());
    for (const Event& e : batch) committed_seqs_.push_back(e.seq);
    changed_.SignalAll();
  }
  void OnRejected(const Event& event, const Status& why) noexcept override {
    MutexLock lock(&mu_);
    rejected_seqs_.push_back(event.seq);
    rejections_.push_back(why);
    changed_.SignalAll();
  }
  void OnWriteError(const Status& why) noexcept override {
    MutexLock lock(&mu_);
    write_errors_.push_back(why);
    changed_.SignalAll();
  }

  // Waits until event `seq` (or a later one) is reported committed, without
  // asking the writer to hurry as WaitCommitted does. False after 30 s. The
  // listener hears first: the writer's LastCommitted() may not show it yet.
  bool AwaitCommitted(uint64_t seq) {
    const auto deadline = RealDeadline();
    MutexLock lock(&mu_);
    const auto done = [&]() REQUIRES(mu_) {
      return !committed_seqs_.empty() && committed_seqs_.back() >= seq;
    };
    while (!done() && changed_.WaitUntil(deadline)) {
    }
    return done();
  }
  // Waits until `n` write errors were reported. False after 30 s.
  bool AwaitWriteErrors(size_t n) {
    const auto deadline = RealDeadline();
    MutexLock lock(&mu_);
    while (write_errors_.size() < n && changed_.WaitUntil(deadline)) {
    }
    return write_errors_.size() >= n;
  }

  std::vector<size_t> batch_sizes() const {
    MutexLock lock(&mu_);
    return batch_sizes_;
  }
  std::vector<uint64_t> committed_seqs() const {
    MutexLock lock(&mu_);
    return committed_seqs_;
  }
  std::vector<uint64_t> rejected_seqs() const {
    MutexLock lock(&mu_);
    return rejected_seqs_;
  }
  std::vector<Status> rejections() const {
    MutexLock lock(&mu_);
    return rejections_;
  }
  std::vector<Status> write_errors() const {
    MutexLock lock(&mu_);
    return write_errors_;
  }

 private:
  static std::chrono::steady_clock::time_point RealDeadline() {
    return std::chrono::steady_clock::now() + std::chrono::seconds(30);
  }

  mutable Mutex mu_;
  CondVar changed_{&mu_};
  std::vector<size_t> batch_sizes_ GUARDED_BY(mu_);
  std::vector<uint64_t> committed_seqs_ GUARDED_BY(mu_);
  std::vector<uint64_t> rejected_seqs_ GUARDED_BY(mu_);
  std::vector<Status> rejections_ GUARDED_BY(mu_);
  std::vector<Status> write_errors_ GUARDED_BY(mu_);
};

// A started EventWriter on a fresh SQLite file, plus a raw connection to
// check rows. Tests that drive time pass &fake_clock_ to Open().
class WriterTest : public ::testing::Test {
 protected:
  void Open(const StoreConfig& config = StoreConfig{}, bool start = true,
            Clock* clock = RealClock()) {
    writer_.reset();  // one writer per file (WriterLock): the old one goes first
    writer_ = std::make_unique<EventWriter>(OpenSqliteStore(config, path())->OpenWriter(), config,
                                            &listener_, clock);
    if (start) writer_->Start();
    raw_ = std::make_unique<RawSqlite>(path());
  }
  void SetUp() override { Open(); }

  std::string path() const { return dir_.File("rosey.db"); }

  // Submits `write` as received at `now` and waits until it has committed.
  uint64_t Commit(Write write, int64_t now = kNow) {
    uint64_t seq = 0;
    const Status submitted = writer_->Submit(Event{std::move(write), now, {}, 0}, &seq);
    EXPECT_OK(submitted);
    const Status waited = writer_->WaitCommitted(seq, Deadline());
    EXPECT_OK(waited);
    return seq;
  }

  static std::chrono::steady_clock::time_point Deadline() {
    return std::chrono::steady_clock::now() + std::chrono::seconds(30);
  }

  int64_t Count(const std::string& table) {
    return raw_->Int("SELECT COUNT(*) FROM " + table).value_or(-1);
  }

  // `column` of `user`'s user_stats row; nullopt for NULL or no row.
  std::optional<int64_t> User(const std::string& user, const std::string& column) {
    return raw_->Int("SELECT " + column + " FROM user_stats WHERE username = '" + user + "'");
  }

  testing::TempDir dir_;
  RecordingListener listener_;
  FakeClock fake_clock_{kNow};  // outlives writer_
  std::unique_ptr<EventWriter> writer_;
  std::unique_ptr<RawSqlite> raw_;
};

}  // namespace roseyd::store
