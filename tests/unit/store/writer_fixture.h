#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/mutex.h"
#include "store/event_writer.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"

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
  }
  void OnRejected(const Event& event, const Status& why) noexcept override {
    MutexLock lock(&mu_);
    rejected_seqs_.push_back(event.seq);
    rejections_.push_back(why);
  }
  void OnWriteError(const Status& why) noexcept override {
    MutexLock lock(&mu_);
    write_errors_.push_back(why);
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
  mutable Mutex mu_;
  std::vector<size_t> batch_sizes_ GUARDED_BY(mu_);
  std::vector<uint64_t> committed_seqs_ GUARDED_BY(mu_);
  std::vector<uint64_t> rejected_seqs_ GUARDED_BY(mu_);
  std::vector<Status> rejections_ GUARDED_BY(mu_);
  std::vector<Status> write_errors_ GUARDED_BY(mu_);
};

// A started EventWriter on a fresh file, plus a raw connection to check rows.
class WriterTest : public ::testing::Test {
 protected:
  void Open(const StoreConfig& config = StoreConfig{}, bool start = true) {
    writer_ = std::make_unique<EventWriter>(config, path(), &listener_);
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

  testing::TempDir dir_;
  RecordingListener listener_;
  std::unique_ptr<EventWriter> writer_;
  std::unique_ptr<RawSqlite> raw_;
};

}  // namespace roseyd::store
