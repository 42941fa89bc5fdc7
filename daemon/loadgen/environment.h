#pragma once

#include <string>

#include "report/results.h"

namespace roseyd::loadgen {

// The facts of this machine and build for a report's appendix: OS, kernel,
// CPU, cores, RAM, compiler, roseyd version and revision, the nats-server
// on PATH, the SQLite library linked (the default store's), and `config_yaml` (the
// effective config). Never throws; unknowns are "unknown".
report::Environment DescribeEnvironment(const std::string& config_yaml);

}  // namespace roseyd::loadgen
