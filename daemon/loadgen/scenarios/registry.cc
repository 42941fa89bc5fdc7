#include "loadgen/scenarios/registry.h"

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

namespace {

constexpr ScenarioEntry kEvents{RunEvents, nullptr};
constexpr ScenarioEntry kBurst{RunBurst, nullptr};
constexpr ScenarioEntry kRequests{RunRequests, nullptr};
constexpr ScenarioEntry kCpuOverhead{
    RunCpuOverhead,
    "it measures the service's CPU as this process's and compares the NATS path with the store API"};
constexpr ScenarioEntry kMemoryBaseline{RunMemoryBaseline,
                                        "it samples the service's RSS as this process's"};
constexpr ScenarioEntry kMemoryStability{RunMemoryStability,
                                         "it samples the service's RSS as this process's"};
constexpr ScenarioEntry kMixed{RunMixed, nullptr};
constexpr ScenarioEntry kRestart{RunRestart, "it restarts the service inside this process"};
constexpr ScenarioEntry kCapacity{RunCapacity, nullptr};
constexpr ScenarioEntry kKvLatency{RunKvLatency, nullptr};
constexpr ScenarioEntry kRowInsertLatency{RunRowInsertLatency, nullptr};
constexpr ScenarioEntry kRowSearchLatency{RunRowSearchLatency, nullptr};
constexpr ScenarioEntry kFailover{RunFailover,
                                  "it starts and stops service instances inside this process"};
constexpr ScenarioEntry kCost{RunCost, "it counts the instructions of this binary's own code"};

}  // namespace

const ScenarioEntry& ScenarioFor(ScenarioKind kind) {
  switch (kind) {
    case ScenarioKind::kEvents: return kEvents;
    case ScenarioKind::kBurst: return kBurst;
    case ScenarioKind::kRequests: return kRequests;
    case ScenarioKind::kCpuOverhead: return kCpuOverhead;
    case ScenarioKind::kMemoryBaseline: return kMemoryBaseline;
    case ScenarioKind::kMemoryStability: return kMemoryStability;
    case ScenarioKind::kMixed: return kMixed;
    case ScenarioKind::kRestart: return kRestart;
    case ScenarioKind::kCapacity: return kCapacity;
    case ScenarioKind::kKvLatency: return kKvLatency;
    case ScenarioKind::kRowInsertLatency: return kRowInsertLatency;
    case ScenarioKind::kRowSearchLatency: return kRowSearchLatency;
    case ScenarioKind::kFailover: return kFailover;
    case ScenarioKind::kCost: return kCost;
  }
  return kEvents;  // not reached: every kind is listed above
}

}  // namespace roseyd::loadgen
