#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace roseyd::cli {

// One command of the roseyd binary (`roseyd run`, `roseyd bench`, ...): its
// name, the line the global help gives it, its own help text, and its entry
// point. main() picks the command named by the first argument.
//
// Thread: immutable.
struct Command {
  std::string_view name;
  std::string_view summary;  // one line, for `roseyd --help`
  std::string_view help;     // the whole text of `roseyd <name> --help`
  // Runs with the arguments after the command's name and returns the exit
  // status. May throw (main() logs it and exits 1) or call UsageError.
  int (*main)(const std::vector<std::string>& args);
};

// Exit statuses every command shares.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // start-up failure, or the command failed
inline constexpr int kExitUsage = 2;

// Prints "roseyd <command>: <message>" and where the command's help is on
// stderr, and exits with kExitUsage. Runs no destructors: call it before
// anything that needs cleaning up exists.
[[noreturn]] void UsageError(std::string_view command, const std::string& message);

// Walks a command's arguments. `-h` and `--help` in the place of an option
// print the command's help on stdout and exit 0, as Unix commands do.
//
// Thread: confined to the caller. *command and `args` must outlive it.
class ArgReader {
 public:
  ArgReader(const Command& command, const std::vector<std::string>& args)
      : command_(command), args_(args) {}

  // Moves to the next argument; false when none is left.
  bool Next();
  // The current argument. REQUIRES: Next() returned true.
  const std::string& arg() const { return args_[index_ - 1]; }
  // How many arguments have been read (the current one and values included).
  std::size_t consumed() const { return index_; }
  // Consumes and returns the argument after the current option: a usage
  // error when there is none.
  std::string Value();
  // Reports the current argument as unknown (a usage error).
  [[noreturn]] void Unknown() const;
  // A usage error of this command.
  [[noreturn]] void Fail(const std::string& message) const;

 private:
  const Command& command_;
  const std::vector<std::string>& args_;
  std::size_t index_ = 0;  // of the argument after the current one
};

}  // namespace roseyd::cli
