// roseyd config-keys: every config key, its variable, default and meaning.

#include <iostream>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "config/config_loader.h"

namespace roseyd::cli {

namespace {

constexpr char kHelp[] = R"(Usage: roseyd config-keys

Prints every config key, one a line: the key, its ROSEYD_* environment variable,
its default and what it means (docs/CONFIGURATION.md's configuration table is made from it).
)";

int ConfigKeysMain(const std::vector<std::string>& args) {
  ArgReader reader(kConfigKeysCommand, args);
  if (reader.Next()) reader.Unknown();
  for (const auto& key : ConfigKeys()) {
    std::cout << key.key << " (" << key.env << ", default '" << key.default_value
              << "'): " << key.help << "\n";
  }
  return kExitOk;
}

}  // namespace

const Command kConfigKeysCommand{"config-keys", "list every config key, its variable and default",
                                 kHelp, ConfigKeysMain};

}  // namespace roseyd::cli
