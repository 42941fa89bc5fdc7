#include "loadgen/scenarios/registry.h"

#include <gtest/gtest.h>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {
namespace {

struct Expected {
  ScenarioKind kind;
  void (*run)(ScenarioContext*);
  bool in_process_only;
};

TEST(ScenarioRegistryTest, EveryKindRunsItsOwnFunction) {
  const Expected expected[] = {
      {ScenarioKind::kEvents, RunEvents, false},
      {ScenarioKind::kBurst, RunBurst, false},
      {ScenarioKind::kRequests, RunRequests, false},
      {ScenarioKind::kCpuOverhead, RunCpuOverhead, true},
      {ScenarioKind::kMemoryBaseline, RunMemoryBaseline, true},
      {ScenarioKind::kMemoryStability, RunMemoryStability, true},
      {ScenarioKind::kMixed, RunMixed, false},
      {ScenarioKind::kRestart, RunRestart, true},
      {ScenarioKind::kCapacity, RunCapacity, false},
      {ScenarioKind::kKvLatency, RunKvLatency, false},
      {ScenarioKind::kRowInsertLatency, RunRowInsertLatency, false},
      {ScenarioKind::kRowSearchLatency, RunRowSearchLatency, false},
      {ScenarioKind::kFailover, RunFailover, true},
  };
  for (const Expected& e : expected) {
    const ScenarioEntry& entry = ScenarioFor(e.kind);
    EXPECT_EQ(entry.run, e.run) << static_cast<int>(e.kind);
    EXPECT_EQ(entry.in_process_only != nullptr, e.in_process_only) << static_cast<int>(e.kind);
  }
}

TEST(ScenarioRegistryTest, EveryScenarioOfTheBuiltInCatalogHasAnEntry) {
  const ScenarioCatalog catalog = LoadScenarios("");
  for (const std::string& name : catalog.Names()) {
    EXPECT_NE(ScenarioFor(catalog.Get(name, "").kind).run, nullptr) << name;
  }
}

}  // namespace
}  // namespace roseyd::loadgen
