#include "loadgen/open_loop.h"

#include <atomic>
#include <chrono>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "base/status.h"

namespace roseyd::loadgen {
namespace {

using namespace std::chrono_literals;

// roseyd ctl watch once showed persisted 3,004 against sent 3,003: an
// event's commit can be counted before its send() returns. The live count
// of a send comes before it goes, so persisted never passes it.
TEST(DriveLoadTest, CountsEachSendLiveBeforeItGoes) {
  prometheus::Counter live_sent;
  std::vector<double> seen_by_send;
  const std::atomic<bool> cancelled{false};
  const LoadOutcome out = DriveLoad(
      std::chrono::steady_clock::now(), 0ns, 5, 1,
      [&](int, uint64_t i) {
        seen_by_send.push_back(live_sent.Value());
        return i == 3 ? Status::Unavailable("the connection is gone") : Status::OK();
      },
      [] { return uint64_t{0}; }, nullptr, cancelled, &live_sent);
  EXPECT_EQ(seen_by_send, (std::vector<double>{1, 2, 3, 4, 5}));
  // The outcome counts what went out; the failed one is an error.
  EXPECT_EQ(out.sent, 4u);
  EXPECT_EQ(out.errors, 1u);
}

}  // namespace
}  // namespace roseyd::loadgen
