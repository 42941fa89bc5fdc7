#include "metrics/process_collector.h"

#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <string>

namespace roseyd::metrics {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;

std::map<std::string, MetricFamily> CollectByName() {
  std::map<std::string, MetricFamily> out;
  for (auto& family : ProcessCollector().Collect()) out[family.name] = family;
  return out;
}

double Value(const MetricFamily& family) {
  EXPECT_EQ(family.metric.size(), 1u) << family.name;
  if (family.metric.empty()) return NAN;
  return family.type == MetricType::Counter ? family.metric[0].counter.value
                                            : family.metric[0].gauge.value;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Spins until the process has used at least `seconds` more CPU, or 10s pass.
void BurnCpu(double seconds) {
  const double start = SampleProcess().cpu_seconds;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  volatile uint64_t sink = 0;
  while (SampleProcess().cpu_seconds < start + seconds &&
         std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 1'000'000; ++i) sink = sink + static_cast<uint64_t>(i);
  }
}

TEST(ProcessCollectorTest, ReportsAllSixFamiliesWithStandardTypes) {
  const auto families = CollectByName();
  const std::map<std::string, MetricType> expected = {
      {"process_cpu_seconds_total", MetricType::Counter},
      {"process_resident_memory_bytes", MetricType::Gauge},
      {"process_virtual_memory_bytes", MetricType::Gauge},
      {"process_open_fds", MetricType::Gauge},
      {"process_max_fds", MetricType::Gauge},
      {"process_start_time_seconds", MetricType::Gauge}};
  ASSERT_EQ(families.size(), expected.size());
  for (const auto& [name, type] : expected) {
    ASSERT_TRUE(families.count(name)) << name;
    EXPECT_EQ(families.at(name).type, type) << name;
    EXPECT_FALSE(families.at(name).help.empty()) << name;
    EXPECT_TRUE(families.at(name).metric.at(0).label.empty()) << name;
  }
  EXPECT_EQ(families.at("process_cpu_seconds_total").help,
            "Total user and system CPU time spent in seconds.");
  EXPECT_EQ(families.at("process_resident_memory_bytes").help, "Resident memory size in bytes.");
}

TEST(ProcessCollectorTest, ValuesArePlausible) {
  auto families = CollectByName();
  const double rss = Value(families["process_resident_memory_bytes"]);
  const double vm = Value(families["process_virtual_memory_bytes"]);
  EXPECT_GT(rss, 0);
  EXPECT_GE(vm, rss);
  const double start = Value(families["process_start_time_seconds"]);
  EXPECT_LE(start, Now() + 1);  // btime is whole seconds
  EXPECT_GT(start, Now() - 86400);
  EXPECT_GE(Value(families["process_open_fds"]), 3);
  EXPECT_GE(Value(families["process_max_fds"]), Value(families["process_open_fds"]));
  EXPECT_GE(Value(families["process_cpu_seconds_total"]), 0);
}

TEST(ProcessCollectorTest, OpenFdsFollowsOpenAndClose) {
  const double before = Value(CollectByName()["process_open_fds"]);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const double during = Value(CollectByName()["process_open_fds"]);
  close(fds[0]);
  close(fds[1]);
  EXPECT_EQ(during, before + 2);
}

TEST(ProcessCollectorTest, CpuSecondsIncreaseAfterBusyWork) {
  const double before = Value(CollectByName()["process_cpu_seconds_total"]);
  BurnCpu(0.05);
  EXPECT_GT(Value(CollectByName()["process_cpu_seconds_total"]), before);
}

// The command name in /proc/self/stat may hold spaces and parentheses;
// prctl renames this (the main) thread, which /proc/self reports.
TEST(ProcessCollectorTest, CommandNameWithParenthesesDoesNotShiftFields) {
  char old_name[17] = {};
  ASSERT_EQ(prctl(PR_GET_NAME, old_name), 0);
  ASSERT_EQ(prctl(PR_SET_NAME, "x) 1 2 (y) z"), 0);
  const auto families = CollectByName();
  const ProcessSample sample = SampleProcess();
  prctl(PR_SET_NAME, old_name);
  ASSERT_EQ(families.size(), 6u);
  EXPECT_GT(sample.rss_bytes, 0);
  EXPECT_GE(sample.vm_bytes, sample.rss_bytes);
  EXPECT_GT(Value(families.at("process_resident_memory_bytes")), 0);
}

TEST(SampleProcessTest, MatchesTheCollector) {
  const ProcessSample sample = SampleProcess();
  auto families = CollectByName();
  EXPECT_GT(sample.rss_bytes, 0);
  EXPECT_GE(sample.vm_bytes, sample.rss_bytes);
  EXPECT_LE(sample.cpu_seconds, Value(families["process_cpu_seconds_total"]));
  // Same source, a moment apart: within 64 MiB.
  EXPECT_NEAR(sample.rss_bytes, Value(families["process_resident_memory_bytes"]), 64 << 20);
  const double cpu_before = sample.cpu_seconds;
  BurnCpu(0.05);
  EXPECT_GT(SampleProcess().cpu_seconds, cpu_before);
}

}  // namespace
}  // namespace roseyd::metrics
