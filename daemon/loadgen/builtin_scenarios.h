#pragma once

#include <string>

namespace roseyd::loadgen {

// config/scenarios.yaml as it was at build time.
const std::string& BuiltinScenariosYaml();

}  // namespace roseyd::loadgen
