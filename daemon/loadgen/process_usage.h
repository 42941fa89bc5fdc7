#pragma once

#include <set>
#include <sys/types.h>

namespace roseyd::loadgen {

// CPU time and RSS of this process from /proc, less the CPU of the threads
// that belong to the load generator, so the figures are the service's.
class ProcessUsage {
 public:
  // Threads running now (ids from /proc/self/task).
  static std::set<pid_t> Threads();

  // Threads in `after` but not in `before` are the load generator's; `self`
  // (the calling thread) is too.
  void ExcludeThreads(const std::set<pid_t>& threads);
  // Excludes the threads running now that are not in `before` (what a
  // subscription made since started: its delivery thread).
  void ExcludeThreadsSince(const std::set<pid_t>& before);
  void ClearExcluded();

  // CPU seconds (user + system) of the process minus the excluded threads.
  double ServiceCpuSeconds() const;
  static double RssBytes();
  // RssAnon of /proc/self/status: the heap and other private memory, without
  // the database file pages SQLite maps (mmap_size), which grow with the file.
  static double AnonRssBytes();

 private:
  std::set<pid_t> excluded_;
};

}  // namespace roseyd::loadgen
