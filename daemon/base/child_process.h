#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace roseyd {

// How a program run by RunChild ended.
struct ChildExit {
  int status = -1;         // its exit status; -1 if it did not exit by itself
  int signal = 0;          // the signal that ended it, 0 if none
  bool timed_out = false;  // killed at the deadline
  bool cancelled = false;  // killed because *cancelled was set
  bool ok() const { return status == 0; }
  // "exit status 1", "killed by signal 9", "timed out", "cancelled".
  std::string Describe() const;
};

struct ChildOptions {
  // Standard output and standard error go here (created or truncated);
  // empty: /dev/null.
  std::string log_path;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  const std::atomic<bool>* cancelled = nullptr;  // polled; may be null
};

// Runs argv[0] (a path, or a name looked up on PATH) with `argv` and this
// process's environment, signals unblocked and at their defaults, until it
// exits. At the deadline or on *cancelled it is sent SIGTERM, then SIGKILL
// 5 s later. Throws std::runtime_error when the program cannot be started.
ChildExit RunChild(const std::vector<std::string>& argv, const ChildOptions& options);

// The path of `program` on PATH; "" when it is not there.
std::string FindOnPath(std::string_view program);

// This process's executable (/proc/self/exe resolved).
std::string SelfExecutable();

// The last `bytes` of the file at `path` ("" if it cannot be read), for an
// error message that shows what a child said.
std::string FileTail(const std::string& path, size_t bytes = 2000);

}  // namespace roseyd
