#include "loadgen/machine_load.h"

#include <gtest/gtest.h>

namespace roseyd::loadgen {
namespace {

// The head of a real /proc/stat (kernel 6.1, 2 cores).
constexpr char kProcStat[] =
    "cpu  10132153 290696 3084719 46828483 16683 0 25195 1200 0 0\n"
    "cpu0 1393280 32966 447011 6932588 7001 0 7080 600 0 0\n"
    "cpu1 1335203 39039 424977 6942713 3357 0 2545 600 0 0\n"
    "intr 199292853 9 0 0 0\n"
    "ctxt 266389823\n";

TEST(MachineLoadTest, ReadsTheAggregateCpuLineNotACore) {
  const std::optional<CpuTimes> t = ParseProcStat(kProcStat);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->user, 10132153u);
  EXPECT_EQ(t->idle, 46828483u);
  EXPECT_EQ(t->iowait, 16683u);
  EXPECT_EQ(t->steal, 1200u);
  // guest and guest_nice (the last two) are inside user and nice already.
  EXPECT_EQ(t->Total(), 10132153u + 290696u + 3084719u + 46828483u + 16683u + 0u + 25195u + 1200u);
}

TEST(MachineLoadTest, AnOldKernelsLineHasNoStealAndABrokenOneIsNothing) {
  const std::optional<CpuTimes> old = ParseProcStat("cpu  100 0 50 850\n");
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->steal, 0u);
  EXPECT_EQ(old->Total(), 1000u);
  EXPECT_FALSE(ParseProcStat("cpu0 1 2 3 4\nintr 5\n").has_value()) << "no aggregate line";
  EXPECT_FALSE(ParseProcStat("cpu  12 x 3 4\n").has_value());
  EXPECT_FALSE(ParseProcStat("").has_value());
}

TEST(MachineLoadTest, LoadAverageIsTheFirstField) {
  EXPECT_DOUBLE_EQ(*ParseLoadAverage("1.42 0.97 0.51 3/412 12345\n"), 1.42);
  EXPECT_FALSE(ParseLoadAverage("").has_value());
  EXPECT_FALSE(ParseLoadAverage("busy 0.97").has_value());
}

TEST(MachineLoadTest, StealAndIowaitAreSharesOfAllCpuTimeBetweenReadings) {
  CpuTimes before{1000, 0, 500, 8000, 100, 0, 0, 400};
  CpuTimes after = before;
  after.user += 600;
  after.idle += 200;
  after.steal += 150;
  after.iowait += 50;  // 1000 ticks in all
  const CpuShares shares = SharesBetween(before, after);
  EXPECT_DOUBLE_EQ(shares.steal_percent, 15);
  EXPECT_DOUBLE_EQ(shares.iowait_percent, 5);
  // iowait may step backwards (proc(5)): it reads 0, and steal still counts.
  after.iowait = before.iowait - 10;
  after.idle += 60;
  EXPECT_DOUBLE_EQ(SharesBetween(before, after).iowait_percent, 0);
  EXPECT_DOUBLE_EQ(SharesBetween(before, after).steal_percent, 15);
  EXPECT_DOUBLE_EQ(SharesBetween(after, after).steal_percent, 0);  // no time passed
}

TEST(MachineLoadTest, ThisMachinesProcCanBeRead) {
  // Linux only, as roseyd: the readers find what the parsers expect.
  const std::optional<CpuTimes> t = ReadCpuTimes();
  ASSERT_TRUE(t.has_value());
  EXPECT_GT(t->Total(), 0u);
  EXPECT_TRUE(ReadLoadAverage().has_value());
}

}  // namespace
}  // namespace roseyd::loadgen
