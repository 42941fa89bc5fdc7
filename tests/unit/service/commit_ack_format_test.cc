// FormatCommitAck alone (no NATS); the publisher itself is tested against a
// real nats-server in commit_ack_publisher_test.cc.

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "service/commit_ack_publisher.h"

namespace roseyd::service {
namespace {

TEST(CommitAckFormatTest, ListsCommittedAndRejectedIdsAlwaysBothArrays) {
  const std::vector<uint64_t> committed = {1, 18446744073709551615ull};
  const std::vector<uint64_t> rejected = {7};
  EXPECT_EQ(FormatCommitAck(committed, {}), R"({"trace_ids":[1,18446744073709551615],"rejected":[]})");
  EXPECT_EQ(FormatCommitAck({}, rejected), R"({"trace_ids":[],"rejected":[7]})");
  EXPECT_EQ(FormatCommitAck(committed, rejected),
            R"({"trace_ids":[1,18446744073709551615],"rejected":[7]})");
}

}  // namespace
}  // namespace roseyd::service
