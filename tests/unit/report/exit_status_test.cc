#include "report/exit_status.h"

#include <cmath>

#include <gtest/gtest.h>

#include "unit/report/sample_report.h"

namespace roseyd::report {
namespace {

TEST(ExitStatusTest, ZeroOneOrTwo) {
  RunReport r = SampleReport();
  EXPECT_EQ(ExitStatus(r), 0);
  r.scenarios[1].status = Verdict::kWarn;
  EXPECT_EQ(ExitStatus(r), 0);  // WARN does not fail a run
  r.scenarios[1].status = Verdict::kFail;
  EXPECT_EQ(ExitStatus(r), 1);
  r.scenarios[0].status = Verdict::kNotRun;
  EXPECT_EQ(ExitStatus(r), 2);
  r.scenarios[0].inapplicable = true;  // e.g. a restart against another process
  EXPECT_EQ(ExitStatus(r), 1);          // not a could-not-run; the P0 FAIL still counts
  r = SampleReport();
  r.scenarios[1].priority = Priority::kP1;
  r.scenarios[1].status = Verdict::kFail;
  EXPECT_EQ(ExitStatus(r), 0);  // only P0 gates
}

TEST(ExitStatusTest, ACancelledP0IsACouldNotRun) {
  RunReport r = SampleReport();
  r.cancelled = true;
  r.scenarios[0].status = Verdict::kCancelled;
  EXPECT_EQ(ExitStatus(r), 2);
}

TEST(ExitStatusTest, ADisturbedP0DoesNotFailTheRun) {
  RunReport r = SampleReport();
  r.scenarios[0].status = Verdict::kDisturbed;  // a latency missed while the floor moved
  EXPECT_EQ(ExitStatus(r), 0);
  r.scenarios[1].status = Verdict::kFail;
  EXPECT_EQ(ExitStatus(r), 1);
}

TEST(ExitStatusTest, AnInformationalBaselineNeverFailsTheRun) {
  RunReport r = SampleReport();
  r.comparisons.push_back({"burst", "lost", 0, 3, INFINITY, true});
  EXPECT_EQ(ExitStatus(r), 1);
  r.regressions_fail = false;  // the previous run of a running roseyd
  EXPECT_EQ(ExitStatus(r), 0);
  r.scenarios[0].status = Verdict::kFail;
  EXPECT_EQ(ExitStatus(r), 1);  // a failed P0 still fails it
}

}  // namespace
}  // namespace roseyd::report
