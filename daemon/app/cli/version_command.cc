// roseyd version (also roseyd --version).

#include <iostream>
#include <vector>

#include "app/cli/commands.h"
#include "base/build_info.h"

namespace roseyd::cli {

namespace {

constexpr char kHelp[] = R"(Usage: roseyd version
       roseyd --version

Prints the version, the git revision it was built from, and the compiler.
)";

int VersionMain(const std::vector<std::string>& args) {
  ArgReader reader(kVersionCommand, args);
  if (reader.Next()) reader.Unknown();
  const BuildInfo& info = GetBuildInfo();
  std::cout << "roseyd " << info.version << " (revision " << info.revision << ", "
            << info.compiler << ")\n";
  return kExitOk;
}

}  // namespace

const Command kVersionCommand{"version", "print version, revision and compiler", kHelp,
                              VersionMain};

}  // namespace roseyd::cli
