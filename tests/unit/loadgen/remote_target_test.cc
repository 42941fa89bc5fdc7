#include "loadgen/remote_target.h"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include "loadgen/commit_tracker.h"

namespace roseyd::loadgen {
namespace {

using namespace std::chrono_literals;

TEST(CommitAckParseTest, ReadsBothArraysOfTheDocumentedFormat) {
  std::vector<uint64_t> committed, rejected;
  ASSERT_TRUE(ParseCommitAck(R"({"trace_ids":[5,6,18446744073709551615],"rejected":[9]})",
                             &committed, &rejected));
  EXPECT_EQ(committed, (std::vector<uint64_t>{5, 6, 18446744073709551615ull}));
  EXPECT_EQ(rejected, std::vector<uint64_t>{9});
  ASSERT_TRUE(ParseCommitAck(R"({"trace_ids":[],"rejected":[]})", &committed, &rejected));
  EXPECT_TRUE(committed.empty());
  EXPECT_TRUE(rejected.empty());
}

TEST(CommitAckParseTest, RefusesAnythingElse) {
  std::vector<uint64_t> committed, rejected;
  for (const char* bad : {"", "not json", "[]", R"({"trace_ids":[1]})", R"({"rejected":[1]})",
                          R"({"trace_ids":[-1],"rejected":[]})", R"({"trace_ids":["1"],"rejected":[]})",
                          R"({"trace_ids":[1.5],"rejected":[]})", R"({"trace_ids":1,"rejected":[]})"}) {
    EXPECT_FALSE(ParseCommitAck(bad, &committed, &rejected)) << bad;
  }
}

store::Event Traced(uint64_t trace_id) {
  store::Event event;
  event.trace_id = trace_id;
  return event;
}

// A rejected event will never commit: the tracker stops waiting for it and
// counts it apart from the committed ones.
TEST(CommitTrackerTest, RejectedEventsEndTheWaitButDoNotCountAsCommitted) {
  CommitTracker tracker(100, 3, std::chrono::steady_clock::now(), 1ms);
  const std::vector<store::Event> batch = {Traced(100), Traced(102), Traced(7)};  // 7: not ours
  tracker.OnCommitted(batch, 0ns);
  tracker.OnRejected(Traced(101), Status::InvalidArgument("bad row"));
  tracker.OnRejected(Traced(101), Status::InvalidArgument("bad row"));  // seen twice
  EXPECT_EQ(tracker.Committed(), 2u);
  EXPECT_EQ(tracker.Rejected(), 1u);
  EXPECT_EQ(tracker.Duplicates(), 1u);
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(tracker.WaitAll(before + 5s));  // not all committed...
  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);  // ...and no wait for it
  EXPECT_EQ(tracker.Latencies().count(), 2u);
}

}  // namespace
}  // namespace roseyd::loadgen
