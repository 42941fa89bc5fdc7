#include "loadgen/capacity_search.h"

#include <gtest/gtest.h>

namespace roseyd::loadgen {
namespace {

TEST(CapacitySearchTest, EveryRatePassingEndsAtTheTop) {
  CapacitySearch search({1000, 5000, 20000});
  for (const double rate : {1000.0, 5000.0, 20000.0}) {
    ASSERT_FALSE(search.done());
    EXPECT_EQ(search.rate(), rate);
    EXPECT_EQ(search.attempt(), 1);
    search.Record(true);
  }
  EXPECT_TRUE(search.done());
  EXPECT_EQ(search.capacity(), 20000);
}

TEST(CapacitySearchTest, OneNoisyMissIsTriedAgainAndDoesNotEndTheSearch) {
  // What the quick suite saw: its first 2-second step's p99 passed 10 ms once.
  CapacitySearch search({1000, 5000, 20000});
  search.Record(false);
  ASSERT_FALSE(search.done());
  EXPECT_EQ(search.rate(), 1000);
  EXPECT_EQ(search.attempt(), 2);
  search.Record(true);
  EXPECT_EQ(search.rate(), 5000);
  EXPECT_EQ(search.attempt(), 1) << "a new rate starts its count of misses afresh";
  search.Record(false);
  search.Record(true);
  EXPECT_EQ(search.rate(), 20000);
  EXPECT_EQ(search.capacity(), 5000);
}

TEST(CapacitySearchTest, TwoMissesInARowAtOneRateEndIt) {
  CapacitySearch search({1000, 5000, 20000, 50000});
  search.Record(true);
  search.Record(true);
  search.Record(false);
  EXPECT_FALSE(search.done());
  search.Record(false);
  EXPECT_TRUE(search.done());
  EXPECT_EQ(search.capacity(), 5000);
  search.Record(true);  // after the end: ignored
  EXPECT_EQ(search.capacity(), 5000);
}

TEST(CapacitySearchTest, NothingPassingIsZeroAndMoreMissesCanBeAsked) {
  CapacitySearch two({1000});
  two.Record(false);
  two.Record(false);
  EXPECT_TRUE(two.done());
  EXPECT_EQ(two.capacity(), 0);
  CapacitySearch three({1000}, 3);
  three.Record(false);
  three.Record(false);
  EXPECT_FALSE(three.done());
  EXPECT_EQ(three.attempt(), 3);
}

}  // namespace
}  // namespace roseyd::loadgen
