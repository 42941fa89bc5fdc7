#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace roseyd::cost {

// The fixed workloads whose instructions the cost scenarios count (the
// service's own code in the `roseyd cost` process, without NATS; see
// cost_workload.h for what each runs). Header-only: the load generator names
// them without linking the service.
enum class Workload { kEvents, kQueries, kKvGet, kRowSearch };

inline constexpr std::array<Workload, 4> kWorkloads = {Workload::kEvents, Workload::kQueries,
                                                       Workload::kKvGet, Workload::kRowSearch};

constexpr std::string_view WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kEvents: return "events";
    case Workload::kQueries: return "queries";
    case Workload::kKvGet: return "kv_get";
    case Workload::kRowSearch: return "row_search";
  }
  return "events";
}

constexpr std::optional<Workload> ParseWorkload(std::string_view name) {
  for (const Workload w : kWorkloads) {
    if (WorkloadName(w) == name) return w;
  }
  return std::nullopt;
}

// The figure a workload gives: instructions per event for the event path,
// per request for the read paths.
constexpr std::string_view InstructionMetric(Workload workload) {
  return workload == Workload::kEvents ? "instructions_per_event" : "instructions_per_request";
}

}  // namespace roseyd::cost
