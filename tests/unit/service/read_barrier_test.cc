#include "service/read_barrier.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <vector>

#include "base/mutex.h"
#include "support/eventually.h"

namespace roseyd::service {
namespace {

using std::chrono::steady_clock;
using testing::Eventually;

// A stream whose GetStreamState blocks until the test answers it, so that
// the test decides which reads arrive while a query is in flight.
class GatedStream : public bus::StreamConsumer {
 public:
  Status GetStreamState(bus::StreamState* state) override {
    MutexLock lock(&mu_);
    ++asked_;
    asked_cv_.SignalAll();
    while (answers_ == 0) answer_cv_.Wait();
    --answers_;
    if (!available_) return Status::Unavailable("no stream info");
    state->last_seq = end_;
    return Status::OK();
  }
  Status Reset(uint64_t, bus::MessageHandler) override { return Status::OK(); }
  Status Drain(std::chrono::milliseconds) override { return Status::OK(); }
  Status AckThrough(std::string_view) override { return Status::OK(); }

  // Lets one query through, saying the stream ends at `end`.
  void Answer(uint64_t end, bool available = true) {
    MutexLock lock(&mu_);
    end_ = end;
    available_ = available;
    ++answers_;
    answer_cv_.SignalAll();
  }
  // Blocks until `n` queries have been asked.
  void AwaitAsked(int n) {
    MutexLock lock(&mu_);
    while (asked_ < n) asked_cv_.Wait();
  }

 private:
  Mutex mu_;
  CondVar asked_cv_{&mu_};
  CondVar answer_cv_{&mu_};
  int asked_ GUARDED_BY(mu_) = 0;
  int answers_ GUARDED_BY(mu_) = 0;
  uint64_t end_ GUARDED_BY(mu_) = 0;
  bool available_ GUARDED_BY(mu_) = true;
};

// Applied as the writer's would be: the sink sequence is the stream end
// plus 1000, so the tests can tell it from an arrival sequence.
uint64_t Applied(uint64_t stream_end, steady_clock::time_point) { return stream_end + 1000; }

steady_clock::time_point Later() { return steady_clock::now() + std::chrono::seconds(30); }

// A read arriving now, waiting on its own thread.
std::future<uint64_t> Read(ReadBarrier* barrier, uint64_t arrival_seq = 1) {
  const auto arrived = steady_clock::now();
  return std::async(std::launch::async,
                    [=] { return barrier->Wait(arrived, arrival_seq, Later()); });
}

TEST(ReadBarrierTest, AReadWaitsForAQuerySentAfterItArrived) {
  GatedStream stream;
  ReadBarrier barrier(&stream, Applied);
  auto read = Read(&barrier, 7);
  stream.AwaitAsked(1);
  stream.Answer(42);
  EXPECT_EQ(read.get(), 1042u);
  EXPECT_EQ(barrier.Queries(), 1u);
}

TEST(ReadBarrierTest, TheStreamIsAskedOnArrivalNotWhenAWorkerIsFree) {
  GatedStream stream;
  ReadBarrier barrier(&stream, Applied);
  const auto arrived = steady_clock::now();
  barrier.Arrived(arrived);
  stream.AwaitAsked(1);  // no Wait yet: the read is still queued
  stream.Answer(42);
  EXPECT_EQ(barrier.Wait(arrived, 1, Later()), 1042u);
  EXPECT_EQ(barrier.Queries(), 1u);
}

TEST(ReadBarrierTest, ReadsArrivingDuringAQueryShareTheNextOne) {
  GatedStream stream;
  ReadBarrier barrier(&stream, Applied);
  auto first = Read(&barrier);
  stream.AwaitAsked(1);
  // Three more reads while the first query is in flight: its answer may
  // predate their events, so it must not serve them.
  std::vector<std::future<uint64_t>> later;
  later.reserve(3);
  for (int i = 0; i < 3; ++i) later.push_back(Read(&barrier));
  ASSERT_TRUE(Eventually([&] { return barrier.Waiting() == 4; }));
  stream.Answer(5);
  EXPECT_EQ(first.get(), 1005u);
  stream.AwaitAsked(2);
  stream.Answer(9);
  for (auto& f : later) EXPECT_EQ(f.get(), 1009u);
  EXPECT_EQ(barrier.Queries(), 2u);  // four reads, two queries
}

TEST(ReadBarrierTest, AStreamThatCannotBeAskedLeavesTheArrivalSequence) {
  GatedStream stream;
  ReadBarrier barrier(&stream, Applied);
  auto read = Read(&barrier, 7);
  stream.AwaitAsked(1);
  stream.Answer(42, /*available=*/false);
  EXPECT_EQ(read.get(), 7u);
}

TEST(ReadBarrierTest, AReadDoesNotWaitPastItsDeadline) {
  GatedStream stream;
  ReadBarrier barrier(&stream, Applied);
  const auto arrived = steady_clock::now();
  // The stream does not answer before its deadline.
  EXPECT_EQ(barrier.Wait(arrived, 3, arrived + std::chrono::milliseconds(20)), 3u);
  stream.AwaitAsked(1);
  stream.Answer(5);  // lets the thread go
}

TEST(ReadBarrierTest, StopEndsTheWaits) {
  GatedStream stream;
  auto barrier = std::make_unique<ReadBarrier>(&stream, Applied);
  auto read = Read(barrier.get(), 7);
  stream.AwaitAsked(1);
  auto stopped = std::async(std::launch::async, [&] { barrier->Stop(); });
  EXPECT_EQ(read.get(), 7u);  // before the stream answers
  stream.Answer(5);           // lets the thread end
  stopped.get();
}

TEST(ReadBarrierTest, NeverReturnsLessThanTheArrivalSequence) {
  GatedStream stream;
  ReadBarrier barrier(&stream, [](uint64_t, steady_clock::time_point) -> uint64_t { return 2; });
  auto read = Read(&barrier, 7);
  stream.AwaitAsked(1);
  stream.Answer(1);
  EXPECT_EQ(read.get(), 7u);
}

}  // namespace
}  // namespace roseyd::service
