#include "cost/batch_gate.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace roseyd::cost {
namespace {

class CountingListener : public store::CommitListener {
 public:
  void OnCommitted(std::span<const store::Event> batch, std::chrono::nanoseconds) noexcept override {
    committed += static_cast<int>(batch.size());
  }
  void OnRejected(const store::Event&, const Status&) noexcept override { ++rejected; }
  void OnWriteError(const Status&) noexcept override { ++errors; }
  std::atomic<int> committed{0};
  std::atomic<int> rejected{0};
  std::atomic<int> errors{0};
};

TEST(BatchGateTest, OpenPassesEverythingOnAtOnce) {
  CountingListener next;
  BatchGate gate(&next);
  std::vector<store::Event> batch(3);
  gate.OnCommitted(batch, {});
  gate.OnRejected(batch[0], Status::InvalidArgument("bad"));
  gate.OnWriteError(Status::IoError("disk"));
  EXPECT_EQ(next.committed, 3);
  EXPECT_EQ(next.rejected, 1);
  EXPECT_EQ(next.errors, 1);
}

// The writer thread, after a commit, waits until a Release says the next
// batch is queued; each Release lets exactly one commit through.
TEST(BatchGateTest, ArmedItHoldsTheWriterUntilEachRelease) {
  CountingListener next;
  BatchGate gate(&next);
  gate.Arm();
  std::vector<store::Event> batch(1);
  std::atomic<int> passed{0};
  std::thread writer([&] {
    for (int i = 0; i < 3; ++i) {
      gate.OnCommitted(batch, {});  // holds until released
      ++passed;
    }
  });
  gate.AwaitHeld();  // the first commit is held: nothing has passed
  EXPECT_EQ(passed, 0);
  EXPECT_EQ(next.committed, 1);  // heard before it waits
  gate.Release();
  gate.Release();  // the second commit goes through without waiting
  gate.Open();     // and the third, once disarmed
  writer.join();
  EXPECT_EQ(passed, 3);
  EXPECT_EQ(next.committed, 3);
}

}  // namespace
}  // namespace roseyd::cost
