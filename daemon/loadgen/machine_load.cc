#include "loadgen/machine_load.h"

#include <fstream>
#include <sstream>
#include <string>

namespace roseyd::loadgen {

namespace {

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

uint64_t CpuTimes::Total() const {
  return user + nice + system + idle + iowait + irq + softirq + steal;
}

std::optional<CpuTimes> ParseProcStat(std::string_view proc_stat) {
  std::istringstream lines{std::string(proc_stat)};
  std::string line;
  while (std::getline(lines, line)) {
    // "cpu " is the sum over cores; "cpu0", "cpu1"... are the cores.
    if (line.rfind("cpu ", 0) != 0) continue;
    std::istringstream fields(line.substr(4));
    CpuTimes t;
    if (!(fields >> t.user >> t.nice >> t.system >> t.idle)) return std::nullopt;
    // Columns added by later kernels: absent ones stay 0.
    for (uint64_t* column : {&t.iowait, &t.irq, &t.softirq, &t.steal}) {
      if (!(fields >> *column)) break;
    }
    return t;
  }
  return std::nullopt;
}

std::optional<double> ParseLoadAverage(std::string_view loadavg) {
  std::istringstream fields{std::string(loadavg)};
  double one_minute = 0;
  if (!(fields >> one_minute) || one_minute < 0) return std::nullopt;
  return one_minute;
}

CpuShares SharesBetween(const CpuTimes& before, const CpuTimes& after) {
  CpuShares shares;
  if (after.Total() <= before.Total()) return shares;
  const auto total = static_cast<double>(after.Total() - before.Total());
  // Each counter on its own: the kernel's iowait may step backwards
  // (proc(5)), which must not hide the steal beside it.
  const auto share = [total](uint64_t from, uint64_t to) {
    return to > from ? 100.0 * static_cast<double>(to - from) / total : 0.0;
  };
  shares.steal_percent = share(before.steal, after.steal);
  shares.iowait_percent = share(before.iowait, after.iowait);
  return shares;
}

std::optional<CpuTimes> ReadCpuTimes() {
  const std::optional<std::string> text = ReadFile("/proc/stat");
  return text ? ParseProcStat(*text) : std::nullopt;
}

std::optional<double> ReadLoadAverage() {
  const std::optional<std::string> text = ReadFile("/proc/loadavg");
  return text ? ParseLoadAverage(*text) : std::nullopt;
}

}  // namespace roseyd::loadgen
