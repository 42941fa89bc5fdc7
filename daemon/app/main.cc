// roseyd: a drop-in DatabaseService for the Rosey CyTube bot over NATS.
// main() picks the command; each lives in its own file under app/cli/.

#include <array>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/cli/command.h"
#include "app/cli/commands.h"
#include "app/logging.h"
#include "base/startup_error.h"

namespace {

using roseyd::cli::Command;

constexpr std::array<const Command*, 7> kCommands = {
    &roseyd::cli::kRunCommand,         &roseyd::cli::kBenchCommand,
    &roseyd::cli::kCtlCommand,         &roseyd::cli::kCostCommand,
    &roseyd::cli::kCheckConfigCommand, &roseyd::cli::kConfigKeysCommand,
    &roseyd::cli::kVersionCommand};

const Command* FindCommand(std::string_view name) {
  for (const Command* command : kCommands) {
    if (command->name == name) return command;
  }
  return nullptr;
}

void PrintUsage(std::ostream& out) {
  out << "roseyd - a drop-in DatabaseService for the Rosey bot over NATS\n\n"
         "Usage: roseyd <command> [options]\n\nCommands:\n";
  for (const Command* command : kCommands) {
    out << "  " << command->name << std::string(14 - command->name.size(), ' ')
        << command->summary << "\n";
  }
  out << "\n'roseyd <command> --help' shows a command's options; 'roseyd --version' = "
         "'roseyd version'.\n"
         "Configuration: defaults < config file < ROSEYD_* environment variables < flags.\n"
         "Exit status: 0 success, 1 failure (the log says why), 2 usage error.\n";
}

[[noreturn]] void NoSuchCommand(const std::string& message) {
  std::cerr << "roseyd: " << message << "\n\n";
  PrintUsage(std::cerr);
  std::exit(roseyd::cli::kExitUsage);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty()) NoSuchCommand("no command given");
  std::string_view name = words.front();
  if (name == "-h" || name == "--help" || name == "help") {
    // `roseyd help <command>` is `roseyd <command> --help`.
    const Command* command = words.size() > 1 ? FindCommand(words[1]) : nullptr;
    if (words.size() > 1 && command == nullptr) NoSuchCommand("unknown command '" + words[1] + "'");
    if (command != nullptr) {
      std::cout << command->help;
    } else {
      PrintUsage(std::cout);
    }
    return roseyd::cli::kExitOk;
  }
  if (name == "--version") name = "version";
  const Command* command = FindCommand(name);
  if (command == nullptr) NoSuchCommand("unknown command '" + words.front() + "'");
  try {
    // Until a command sets up the log from its config: errors go to stderr.
    roseyd::SetUpLogging("info", "text");
    return command->main(std::vector<std::string>(words.begin() + 1, words.end()));
  } catch (const roseyd::StartupError& e) {
    spdlog::critical("cannot start: {}", e.what());
    return roseyd::cli::kExitFailure;
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return roseyd::cli::kExitFailure;
  }
}
