// base/repeat_backoff.h: how often roseyd says again that NATS is still not
// connected (beside url_list_test: the base part has no test binary of its own).

#include "base/repeat_backoff.h"

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

namespace roseyd {
namespace {

using namespace std::chrono_literals;
using Clock = RepeatBackoff::Clock;

// The seconds, from the start, at which Due() is true when asked every second.
std::vector<int> ReminderTimes(RepeatBackoff* backoff, Clock::time_point start, int seconds) {
  std::vector<int> at;
  for (int s = 0; s <= seconds; ++s) {
    if (backoff->Due(start + std::chrono::seconds(s))) at.push_back(s);
  }
  return at;
}

TEST(RepeatBackoffTest, RemindsAfterTheFirstWaitThenTwiceAsLongEachTimeUpToTheMax) {
  RepeatBackoff backoff(5s, 60s);
  const Clock::time_point start{};
  EXPECT_TRUE(ReminderTimes(&backoff, start, 100).empty()) << "nothing holds yet";
  backoff.Begin(start);
  EXPECT_TRUE(backoff.active());
  EXPECT_EQ(ReminderTimes(&backoff, start, 400),
            (std::vector<int>{5, 15, 35, 75, 135, 195, 255, 315, 375}));
  EXPECT_EQ(backoff.HeldFor(start + 400s), 400s);
}

TEST(RepeatBackoffTest, EndStopsTheRemindersAndABeginStartsAfresh) {
  RepeatBackoff backoff(5s, 60s);
  const Clock::time_point start{};
  backoff.Begin(start);
  EXPECT_TRUE(backoff.Due(start + 5s));
  backoff.Begin(start + 6s);  // still the same outage: changes nothing
  EXPECT_FALSE(backoff.Due(start + 14s));
  EXPECT_TRUE(backoff.Due(start + 15s));
  backoff.End();
  EXPECT_FALSE(backoff.active());
  EXPECT_EQ(backoff.HeldFor(start + 20s), 0s);
  EXPECT_FALSE(backoff.Due(start + 100s));
  backoff.Begin(start + 200s);
  EXPECT_FALSE(backoff.Due(start + 204s));
  EXPECT_TRUE(backoff.Due(start + 205s));
}

}  // namespace
}  // namespace roseyd
