// roseyd run: the daemon in the foreground until SIGINT or SIGTERM.

#include <spdlog/spdlog.h>

#include "app/cli/commands.h"
#include "app/cli/config_flags.h"
#include "app/daemon.h"
#include "app/stop_signals.h"
#include "base/build_info.h"

namespace roseyd::cli {

namespace {

std::string Help() {
  return std::string(R"(Usage: roseyd run [options]

Runs the DatabaseService in the foreground: subscribes to the Rosey subjects,
writes the store (a SQLite file, or PostgreSQL with store.url), serves
/metrics and /ready, and (with
bench.run_at_start, off by default; the demo config/roseyd.yaml sets quick)
runs a benchmark suite against its own scratch service once after start-up.

Options:
)") + std::string(ConfigFlags::kHelp) +
         R"(  -h, --help             this text

Precedence: defaults < config file < ROSEYD_* environment variables < flags;
`roseyd config-keys` lists every key, `roseyd check-config` shows the result.
SIGINT/SIGTERM stop intake, commit every received event (what cannot commit
within store.stop_timeout, as when another program holds the database's write
lock, is kept in <database>.pending and committed first at the next start),
close sessions, and exit 0, within about 2 s.
Exit status: 0 clean stop, 1 start-up failure (the log says which part and
why), 2 usage error.
)";
}

int RunMain(const std::vector<std::string>& args) {
  ConfigFlags flags;
  ArgReader reader(kRunCommand, args);
  while (reader.Next()) {
    if (!flags.Take(&reader)) reader.Unknown();
  }
  // Before any thread exists, so that every thread inherits the mask.
  BlockStopSignals();
  Config config = LoadConfigAndSetUpLogging(&flags);
  spdlog::info("roseyd {} ({}) starting with {}", GetBuildInfo().version,
               GetBuildInfo().revision,
               flags.file().empty() ? std::string("built-in defaults") : "config " + flags.file());
  Daemon daemon(std::move(config));
  try {
    daemon.Start();
  } catch (const std::exception& e) {
    // The error first, then what releasing the parts that did start says,
    // so that the cause is not buried under shutdown lines.
    spdlog::critical("cannot start: {}", e.what());
    daemon.Shutdown();
    return kExitFailure;
  }
  daemon.Run();
  daemon.Shutdown();
  spdlog::info("roseyd stopped cleanly");
  return kExitOk;
}

const std::string kHelp = Help();

}  // namespace

const Command kRunCommand{"run", "run the daemon in the foreground", kHelp, RunMain};

}  // namespace roseyd::cli
