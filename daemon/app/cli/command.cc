#include "app/cli/command.h"

#include <cstdlib>
#include <iostream>

namespace roseyd::cli {

void UsageError(std::string_view command, const std::string& message) {
  std::cerr << "roseyd " << command << ": " << message << "\n(see roseyd " << command
            << " --help)\n";
  std::exit(kExitUsage);
}

bool ArgReader::Next() {
  if (index_ >= args_.size()) return false;
  ++index_;
  if (arg() == "-h" || arg() == "--help") {
    std::cout << command_.help;
    std::exit(kExitOk);
  }
  return true;
}

std::string ArgReader::Value() {
  if (index_ >= args_.size()) Fail(arg() + " needs a value");
  return args_[index_++];
}

void ArgReader::Unknown() const { Fail("unknown argument '" + arg() + "'"); }

void ArgReader::Fail(const std::string& message) const { UsageError(command_.name, message); }

}  // namespace roseyd::cli
