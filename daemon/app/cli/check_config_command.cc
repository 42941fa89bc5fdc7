// roseyd check-config: validate a config and print what it resolves to.

#include <iostream>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/config_flags.h"
#include "bus/connection.h"
#include "config/config_loader.h"

namespace roseyd::cli {

namespace {

std::string Help() {
  return std::string(R"(Usage: roseyd check-config [FILE] [options]

Loads the config as roseyd run would (FILE is --config FILE; without it:
$ROSEYD_CONFIG, else config/roseyd.yaml when present, else the defaults), then
the ROSEYD_* environment variables and the flags; validates it, warns about
ROSEYD_* variables that are no setting, and prints the database, NATS and
metrics it resolves to, then every key with its value (secrets as ***).

Options:
)") + std::string(ConfigFlags::kHelp) +
         R"(  -h, --help             this text

Exit status: 0 valid, 1 invalid (the message names the file, variable or flag
and the key), 2 usage error.
)";
}

const std::string kHelp = Help();

int CheckConfigMain(const std::vector<std::string>& args) {
  ConfigFlags flags;
  ArgReader reader(kCheckConfigCommand, args);
  while (reader.Next()) {
    if (flags.Take(&reader)) continue;
    if (!flags.file_given() && !reader.arg().starts_with("-")) {
      flags.SetFile(reader.arg());
      continue;
    }
    reader.Unknown();
  }
  const Config config = LoadConfigAndSetUpLogging(&flags);
  const std::string nats =
      config.nats.url.empty()
          ? "embedded nats-server on " + config.nats.embedded.host + ":" +
                std::to_string(config.nats.embedded.port)
          : bus::RedactUrl(config.nats.url);
  std::cout << (flags.file().empty() ? std::string("built-in defaults") : flags.file())
            << ": OK\n"
            << "  database:  " << config.StoreDescription() << "\n"
            << "  nats:      " << nats << "\n"
            << "  metrics:   " << (config.metrics.listen.empty() ? "off" : config.metrics.listen)
            << "\n\n"
            << "# every key as resolved (defaults < file < environment < flags)\n"
            << DescribeConfig(config);
  return kExitOk;
}

}  // namespace

const Command kCheckConfigCommand{"check-config",
                                  "validate a config and print every resolved key", kHelp,
                                  CheckConfigMain};

}  // namespace roseyd::cli
