#include "loadgen/open_loop.h"

#include <atomic>
#include <chrono>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "base/status.h"
#include "loadgen/payloads.h"

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

// RequestStream's classic requests: the four query subjects in turn, or
// only query.user_stats for a probe.
TEST(RequestStreamTest, ClassicQueriesGoRoundTheFourQuerySubjects) {
  const auto make = ClassicQueries("rosey.db", "bot");
  EXPECT_EQ(make(0).subject, "rosey.db.query.user_stats");
  EXPECT_EQ(make(0).payload, ClassicQueryOf(0, "bot").payload);
  EXPECT_EQ(make(1).subject, "rosey.db.query.channel_stats");
  EXPECT_EQ(make(2).subject, "rosey.db.stats.recent_chat.get");
  EXPECT_EQ(make(3).subject, "rosey.db.messages.outbound.get");
  EXPECT_EQ(make(7).payload, ClassicQueryOf(3, "bot").payload);
  const auto probe = ClassicQueries("rosey.db", "bot", /*user_stats_only=*/true);
  for (uint64_t i : {0, 1, 2, 3}) EXPECT_EQ(probe(i).subject, "rosey.db.query.user_stats");
}

// What counts as a failed reply: the classic protocol's compact JSON, the
// plugin storage API's with a space (or without).
TEST(RequestStreamTest, FailedRepliesAreTheProtocolsOwn) {
  EXPECT_TRUE(ClassicReplyFailed(R"({"success":false,"error":"x"})"));
  EXPECT_FALSE(ClassicReplyFailed(R"({"success":true})"));
  EXPECT_FALSE(ClassicReplyFailed(R"({"success": false})"));  // as it always counted
  EXPECT_TRUE(StorageReplyFailed(R"({"success": false, "error": "x"})"));
  EXPECT_TRUE(StorageReplyFailed(R"({"success":false})"));
  EXPECT_FALSE(StorageReplyFailed(R"({"success": true, "id": 1})"));
}

}  // namespace
}  // namespace roseyd::loadgen
