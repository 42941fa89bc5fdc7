#pragma once

#include "loadgen/scenario.h"
#include "loadgen/scenarios/scenario_context.h"

namespace roseyd::loadgen {

// How to run one kind of scenario.
struct ScenarioEntry {
  void (*run)(ScenarioContext* context);
  // Why this kind needs the service in this process (it measures this
  // process's CPU or RSS as the service's, or restarts the service); null
  // when it runs against a service in another process as well.
  const char* in_process_only;
};

// The entry for `kind`. Every ScenarioKind has one (the switch behind it
// makes a new kind without an entry a compiler warning).
const ScenarioEntry& ScenarioFor(ScenarioKind kind);

}  // namespace roseyd::loadgen
