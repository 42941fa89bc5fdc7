#include "loadgen/process_usage.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <limits>
#include <string>

namespace roseyd::loadgen {

namespace {

// Time on CPU in seconds from /proc/.../schedstat (nanoseconds, unlike the
// 10 ms ticks of /proc/.../stat); 0 when the thread is gone.
double SchedstatSeconds(const std::string& path) {
  std::ifstream in(path);
  unsigned long long ns = 0;
  in >> ns;
  return static_cast<double>(ns) / 1e9;
}

}  // namespace

std::set<pid_t> ProcessUsage::Threads() {
  std::set<pid_t> tids;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (const dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') tids.insert(static_cast<pid_t>(std::stol(entry->d_name)));
    }
    closedir(dir);
  }
  return tids;
}

void ProcessUsage::ExcludeThreads(const std::set<pid_t>& threads) {
  excluded_.insert(threads.begin(), threads.end());
}

void ProcessUsage::ExcludeThreadsSince(const std::set<pid_t>& before) {
  for (const pid_t tid : Threads()) {
    if (before.count(tid) == 0) excluded_.insert(tid);
  }
}

void ProcessUsage::ClearExcluded() { excluded_.clear(); }

double ProcessUsage::ServiceCpuSeconds() const {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  double total = static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
  for (const pid_t tid : excluded_) {
    total -= SchedstatSeconds("/proc/self/task/" + std::to_string(tid) + "/schedstat");
  }
  return total;
}

double ProcessUsage::RssBytes() {
  std::ifstream in("/proc/self/statm");
  long long size = 0, resident = 0;
  in >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double ProcessUsage::AnonRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "RssAnon:") {
      double kib = 0;
      in >> kib;
      return kib * 1024;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace roseyd::loadgen
