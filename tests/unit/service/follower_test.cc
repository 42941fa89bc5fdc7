// The parts of a roseyd that does not write: FollowerSink (takes no events;
// a read waits for the writer's committed stream position, read from the
// store) and FollowerIntake (the read subjects alone; in durable mode the
// stream's end is what a read waits for).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/mutex.h"
#include "service/follower_intake.h"
#include "service/follower_sink.h"
#include "support/status_matchers.h"
#include "unit/service/fake_stream_consumer.h"

namespace roseyd::service {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

// The writer's position as the store shows it; the test moves it.
class FakePositionReader : public store::PositionReader {
 public:
  struct Shared {
    Mutex mu;
    uint64_t position GUARDED_BY(mu) = 0;
    int reads GUARDED_BY(mu) = 0;
    std::vector<std::string> streams GUARDED_BY(mu);
    bool failing GUARDED_BY(mu) = false;
  };
  explicit FakePositionReader(Shared* shared) : shared_(shared) {}
  Status StreamPosition(std::string_view stream, uint64_t* out) override {
    MutexLock lock(&shared_->mu);
    ++shared_->reads;
    shared_->streams.emplace_back(stream);
    if (shared_->failing) return Status::Unavailable("the store does not answer");
    *out = shared_->position;
    return Status::OK();
  }

 private:
  Shared* const shared_;
};

class FollowerSinkTest : public ::testing::Test {
 protected:
  void SetPosition(uint64_t position) {
    MutexLock lock(&shared_.mu);
    shared_.position = position;
  }
  int Reads() {
    MutexLock lock(&shared_.mu);
    return shared_.reads;
  }

  FakePositionReader::Shared shared_;
  FollowerSink sink_{std::make_unique<FakePositionReader>(&shared_), "ROSEY_DB", 1ms};
};

TEST_F(FollowerSinkTest, TakesNoEventsAndSaysItDoesNotWrite) {
  uint64_t seq = 7;
  const Status s = sink_.Submit(store::Event{}, &seq);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("does not write"), std::string::npos) << s.ToString();
  EXPECT_FALSE(sink_.TakesWrites());
  EXPECT_EQ(sink_.LastSubmitted(), 0u);
  EXPECT_EQ(sink_.QueueDepth(), 0u);
}

TEST_F(FollowerSinkTest, AReadWaitsForTheWritersCommittedStreamPosition) {
  SetPosition(3);
  EXPECT_OK(sink_.WaitCommitted(3, steady_clock::now() + 5s));
  EXPECT_EQ(sink_.LastCommitted(), 3u);
  EXPECT_EQ(sink_.StreamPosition(), 3u);
  {
    MutexLock lock(&shared_.mu);
    EXPECT_EQ(shared_.streams.back(), "ROSEY_DB");
  }
  // Already there: answered from what was read, without asking the store.
  const int reads = Reads();
  EXPECT_OK(sink_.WaitCommitted(2, steady_clock::now() + 5s));
  EXPECT_EQ(Reads(), reads);
}

TEST_F(FollowerSinkTest, GivesUpAtTheDeadlineWhenTheWriterIsBehind) {
  SetPosition(4);
  const Status s = sink_.WaitCommitted(5, steady_clock::now() + 20ms);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("stream sequence 5"), std::string::npos) << s.ToString();
  EXPECT_GT(Reads(), 1);  // it looked again while it waited
  SetPosition(5);
  EXPECT_OK(sink_.WaitCommitted(5, steady_clock::now() + 5s));
}

TEST_F(FollowerSinkTest, AStoreThatDoesNotAnswerFailsTheWait) {
  {
    MutexLock lock(&shared_.mu);
    shared_.failing = true;
  }
  EXPECT_EQ(sink_.WaitCommitted(1, steady_clock::now() + 5s).code(), Status::Code::kUnavailable);
}

// The read subjects' own intake, stood in for.
class RecordingIntake : public Intake {
 public:
  void Start() override { ++starts; }
  void Stop(std::chrono::milliseconds) override { ++stops; }
  uint64_t RequestBarrier(uint64_t arrival_seq, steady_clock::time_point,
                          steady_clock::time_point) override {
    return arrival_seq;
  }
  void Tick() override { ++ticks; }
  int starts = 0, stops = 0, ticks = 0;
};

TEST(FollowerIntakeTest, PassesStartStopAndTickToTheReadSubjectsIntake) {
  auto requests = std::make_unique<RecordingIntake>();
  RecordingIntake* seen = requests.get();
  FollowerIntake intake(std::move(requests), nullptr);
  intake.Start();
  intake.Tick();
  intake.Stop(1s);
  EXPECT_EQ(seen->starts, 1);
  EXPECT_EQ(seen->ticks, 1);
  EXPECT_EQ(seen->stops, 1);
}

TEST(FollowerIntakeTest, OnCoreNatsAReadWaitsForNothingMoreThanItsArrival) {
  FollowerIntake intake(std::make_unique<RecordingIntake>(), nullptr);
  const auto now = steady_clock::now();
  intake.ReadArrived(now);
  EXPECT_EQ(intake.RequestBarrier(5, now, now + 1s), 5u);
}

TEST(FollowerIntakeTest, InDurableModeAReadWaitsForTheStreamsEndAsAStreamSequence) {
  auto stream = std::make_unique<FakeStreamConsumer>();
  FakeStreamConsumer* state = stream.get();
  state->SetState(1, 42);
  FollowerIntake intake(std::make_unique<RecordingIntake>(), std::move(stream));
  const auto now = steady_clock::now();
  intake.ReadArrived(now);
  EXPECT_EQ(intake.RequestBarrier(0, now, now + 5s), 42u);  // what FollowerSink waits for
  state->SetStateAvailable(false);
  const auto later = steady_clock::now();
  EXPECT_EQ(intake.RequestBarrier(3, later, later + 5s), 3u);  // the stream cannot be asked
}

}  // namespace
}  // namespace roseyd::service
