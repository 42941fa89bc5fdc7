#pragma once

#include "app/cli/command.h"

namespace roseyd::cli {

// The commands of the roseyd binary, one file each; main() lists them in
// this order in `roseyd --help`.
extern const Command kRunCommand;          // run_command.cc
extern const Command kBenchCommand;        // bench_command.cc
extern const Command kCtlCommand;          // ctl_command.cc
extern const Command kCostCommand;         // cost_command.cc
extern const Command kCheckConfigCommand;  // check_config_command.cc
extern const Command kConfigKeysCommand;   // config_keys_command.cc
extern const Command kVersionCommand;      // version_command.cc

}  // namespace roseyd::cli
