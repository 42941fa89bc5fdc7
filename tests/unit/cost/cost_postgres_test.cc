// The cost workloads on PostgreSQL (the tests' server) and, where valgrind
// is installed, counted under it twice: the count is what the cost figures
// promise, the same from run to run.

#include <atomic>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "cost/cost_workload.h"
#include "loadgen/instruction_count.h"
#include "support/postgres_server.h"

namespace roseyd::cost {
namespace {

class NoMarks : public PhaseMarks {
 public:
  void Begin() override {}
  void End(const std::string&) override {}
};

TEST(CostPostgresTest, EveryWorkloadRunsInASchemaOfItsOwn) {
  testing::TestDatabase database;
  for (const Workload w : kWorkloads) {
    WorkloadOptions options;
    options.workload = w;
    options.count = w == Workload::kEvents ? 500 : 20;
    options.postgres_url = database.url();
    NoMarks marks;
    const WorkloadResult result = RunWorkload(options, &marks);
    EXPECT_EQ(result.failed, 0) << WorkloadName(w) << ": " << result.first_failure;
    EXPECT_EQ(result.measured, options.count);
  }
}

// The promise of the cost figures: a second count of the same workload is
// within a few tenths of a percent of the first (BENCHMARKS.md shows 10).
TEST(CostCountTest, TwoCountsOfOneWorkloadAgreeWithinTheResolution) {
  if (loadgen::FindValgrind().empty()) GTEST_SKIP() << "valgrind is not installed";
  const std::atomic<bool> cancelled{false};
  loadgen::CostRun run{"events", 2000, "", ROSEYD_BINARY};
  const loadgen::InstructionCount first = loadgen::CountInstructions(run, cancelled);
  const loadgen::InstructionCount second = loadgen::CountInstructions(run, cancelled);
  EXPECT_EQ(first.measured, 2000);
  EXPECT_EQ(first.transactions, 2000 / kBatchEvents);
  EXPECT_GT(first.instructions, 2000 * 1000.0);  // thousands an event: it did the work
  EXPECT_NEAR(second.instructions / first.instructions, 1.0, 0.005);
}

}  // namespace
}  // namespace roseyd::cost
