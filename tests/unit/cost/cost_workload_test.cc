#include "cost/cost_workload.h"

#include <ostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace roseyd::cost {

// For the test names and failure messages.
void PrintTo(Workload workload, std::ostream* out) { *out << WorkloadName(workload); }

namespace {

// Records the marks a workload makes.
class RecordingMarks : public PhaseMarks {
 public:
  void Begin() override { calls.push_back("begin"); }
  void End(const std::string& label) override { calls.push_back("end " + label); }
  std::vector<std::string> calls;
};

class CostWorkloadTest : public ::testing::TestWithParam<Workload> {};

// Each workload does its work (every reply a success, every event
// committed) and marks exactly its measured part; the events are committed
// in whole batches, the same number every run.
TEST_P(CostWorkloadTest, RunsAndMarksItsMeasuredPart) {
  testing::TempDir dir;
  WorkloadOptions options;
  options.workload = GetParam();
  options.count = GetParam() == Workload::kEvents ? 1000 : 40;
  options.sqlite_path = dir.File("cost.db");
  RecordingMarks marks;
  const WorkloadResult result = RunWorkload(options, &marks);
  EXPECT_EQ(result.failed, 0) << result.first_failure;
  EXPECT_EQ(result.measured, options.count);
  const std::string label =
      std::string(WorkloadName(GetParam())) + ":" + std::to_string(options.count);
  EXPECT_THAT(marks.calls, ::testing::ElementsAre("begin", "end " + label));
  if (GetParam() == Workload::kEvents) {
    EXPECT_EQ(result.transactions, options.count / kBatchEvents);
  } else {
    EXPECT_EQ(result.transactions, 0);  // reads only
  }
}

INSTANTIATE_TEST_SUITE_P(Workloads, CostWorkloadTest, ::testing::ValuesIn(kWorkloads),
                         [](const auto& info) { return std::string(WorkloadName(info.param)); });

TEST(CostWorkloadOptionsTest, NamesRoundTripAndMetricsFollowTheWorkload) {
  for (const Workload w : kWorkloads) EXPECT_EQ(ParseWorkload(WorkloadName(w)), w);
  EXPECT_FALSE(ParseWorkload("teleport"));
  EXPECT_EQ(InstructionMetric(Workload::kEvents), "instructions_per_event");
  EXPECT_EQ(InstructionMetric(Workload::kRowSearch), "instructions_per_request");
}

}  // namespace
}  // namespace roseyd::cost
