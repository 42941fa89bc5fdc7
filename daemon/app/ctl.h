#pragma once

#include <string>
#include <vector>

namespace roseyd {

// `roseyd ctl list|start|status|cancel|watch`: drives the load generator of
// a running roseyd over its control subjects (bench.control.*), connecting
// as `roseyd run` does: --config, then ROSEYD_* variables, then --set and
// --nats-url, with the credentials and TLS of nats.auth.* and the token of
// bench.control.token (or --token). `args` are the words after "ctl".
//
// Exit status: list, status, cancel and start: 0 done, 2 could not (no
// server, nobody answering, refused, a usage error). start --wait and
// watch: 0 the run passed, 1 it failed, 2 it could not run or was
// cancelled. Never throws.
int RunCtl(const std::vector<std::string>& args);

}  // namespace roseyd
