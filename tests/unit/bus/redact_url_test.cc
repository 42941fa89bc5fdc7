// RedactUrl (no server): credentials never reach a log.

#include <gtest/gtest.h>

#include "bus/connection.h"

namespace roseyd::bus {
namespace {

TEST(RedactUrlTest, HidesUserInfoOnly) {
  EXPECT_EQ(RedactUrl("nats://roseyd:s3cret@127.0.0.1:4222"), "nats://***@127.0.0.1:4222");
  EXPECT_EQ(RedactUrl("nats://t0ken@host:4222,tls://u:p@other:4443"),
            "nats://***@host:4222,tls://***@other:4443");
  EXPECT_EQ(RedactUrl("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
  EXPECT_EQ(RedactUrl("nats://host:4222/path@x"), "nats://host:4222/path@x");
  EXPECT_EQ(RedactUrl(""), "");
}

}  // namespace
}  // namespace roseyd::bus
