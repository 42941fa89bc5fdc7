// SplitUrlList (no server): nats.url may name every server of a cluster.

#include "base/url_list.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace roseyd {
namespace {

using List = std::vector<std::string>;

TEST(UrlListTest, OneUrlIsAListOfOne) {
  EXPECT_EQ(SplitUrlList("nats://127.0.0.1:4222"), List{"nats://127.0.0.1:4222"});
}

TEST(UrlListTest, SplitsOnCommasAndTrimsBlanks) {
  EXPECT_EQ(SplitUrlList("nats://a:4222,nats://b:4223, tls://u:p@c:4443 "),
            (List{"nats://a:4222", "nats://b:4223", "tls://u:p@c:4443"}));
  EXPECT_EQ(SplitUrlList("nats://a:1,\tnats://b:2\n"), (List{"nats://a:1", "nats://b:2"}));
}

TEST(UrlListTest, AnEmptyEntryMakesTheWholeListInvalid) {
  EXPECT_TRUE(SplitUrlList("").empty());
  EXPECT_TRUE(SplitUrlList("  ").empty());
  EXPECT_TRUE(SplitUrlList("nats://a:4222,").empty());
  EXPECT_TRUE(SplitUrlList(",nats://a:4222").empty());
  EXPECT_TRUE(SplitUrlList("nats://a:4222,, nats://b:4222").empty());
}

}  // namespace
}  // namespace roseyd
