#include "loadgen/instruction_count.h"

#include <gtest/gtest.h>

namespace roseyd::loadgen {
namespace {

// The shape of a callgrind 3.19 dump, cut to the lines that matter.
constexpr char kMeasured[] = R"(# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 8986
cmd:  /work/main/build/daemon/app/roseyd cost --workload events --count 20000
part: 1

desc: I1 cache: 
desc: Timerange: Basic block 0 - 113097035
desc: Trigger: Client Request: roseyd-cost:events:20000

positions: line
events: Ir
summary: 18446744073706551597
totals: 433098715

fl=(1) ???
fn=(1) main
0 12
)";

TEST(CallgrindDumpTest, ReadsTheMeasuredPartsLabelAndTotals) {
  const std::optional<CallgrindDump> dump = ParseCallgrindDump(kMeasured);
  ASSERT_TRUE(dump.has_value());
  EXPECT_EQ(dump->label, "events:20000");
  EXPECT_EQ(dump->instructions, 433098715);  // totals, not the overflowed summary
}

TEST(CallgrindDumpTest, IgnoresTheDumpAtTheProgramsEnd) {
  EXPECT_FALSE(ParseCallgrindDump("desc: Trigger: Program termination\ntotals: 11\n"));
  EXPECT_FALSE(ParseCallgrindDump("desc: Trigger: Client Request: someone-else:1\ntotals: 5\n"));
  EXPECT_FALSE(ParseCallgrindDump("desc: Trigger: Client Request: roseyd-cost:events:1\n"));
}

}  // namespace
}  // namespace roseyd::loadgen
