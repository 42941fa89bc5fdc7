// The acknowledgement-subject parser (no server).

#include "bus/stream_consumer.h"

#include <gtest/gtest.h>

namespace roseyd::bus {
namespace {

TEST(StreamSequenceOfTest, ReadsBothAckSubjectForms) {
  EXPECT_EQ(StreamSequenceOf("$JS.ACK.ROSEY_DB.roseyd.1.42.40.1700000000000000000.5"), 42u);
  EXPECT_EQ(StreamSequenceOf("$JS.ACK.hub.ACCHASH.ROSEY_DB.roseyd.2.43.41.1700000000000.0.x1"),
            43u);
  EXPECT_EQ(StreamSequenceOf("_INBOX.abc"), 0u);
  EXPECT_EQ(StreamSequenceOf("$JS.ACK.ROSEY_DB.roseyd.1"), 0u);
  EXPECT_EQ(StreamSequenceOf("$JS.ACK.ROSEY_DB.roseyd.1.4x2.40.17.5"), 0u);
}

}  // namespace
}  // namespace roseyd::bus
