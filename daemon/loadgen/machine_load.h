#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace roseyd::loadgen {

// The machine's CPU time by kind, from the aggregate "cpu" line of
// /proc/stat (all cores, in clock ticks since boot). On a virtual machine
// `steal` is the time the hypervisor ran someone else while this machine
// had work: the noise a shared host adds.
struct CpuTimes {
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  // Every kind above. guest and guest_nice are already counted in user and
  // nice, so they are not added again.
  uint64_t Total() const;
};

// The aggregate "cpu" line of `proc_stat` (the text of /proc/stat); nullopt
// when it is missing or malformed. Kernels before 2.6.11 have no steal
// column: it reads as 0.
std::optional<CpuTimes> ParseProcStat(std::string_view proc_stat);

// The 1-minute load average, the first field of `loadavg` (the text of
// /proc/loadavg); nullopt when it cannot be read.
std::optional<double> ParseLoadAverage(std::string_view loadavg);

// Shares of all CPU time between two readings, in percent (0 when no time
// passed or the counters went backwards).
struct CpuShares {
  double steal_percent = 0;
  double iowait_percent = 0;
};
CpuShares SharesBetween(const CpuTimes& before, const CpuTimes& after);

// The machine's readings now, from /proc; nullopt when /proc cannot be read
// (another OS, a sandbox).
std::optional<CpuTimes> ReadCpuTimes();
std::optional<double> ReadLoadAverage();

}  // namespace roseyd::loadgen
