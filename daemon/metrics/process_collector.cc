#include "metrics/process_collector.h"

#include <prometheus/metric_type.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace roseyd::metrics {
namespace {

constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

// The fields of /proc/self/stat we use (proc(5) numbering in comments).
struct Stat {
  double utime_ticks = 0;      // 14
  double stime_ticks = 0;      // 15
  double starttime_ticks = 0;  // 22, since boot
  double vsize_bytes = 0;      // 23
  double rss_pages = 0;        // 24
};

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The command name (field 2) is in parentheses and may itself hold spaces
// and ')', so the numeric fields are read after the last ')'.
std::optional<Stat> ReadStat() {
  const auto text = ReadFile("/proc/self/stat");
  if (!text) return std::nullopt;
  const size_t paren = text->rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text->substr(paren + 1));
  std::string state;
  fields >> state;  // field 3
  Stat stat;
  double skip = 0;
  for (int field = 4; field <= 24; ++field) {
    double* out = &skip;
    switch (field) {
      case 14:
        out = &stat.utime_ticks;
        break;
      case 15:
        out = &stat.stime_ticks;
        break;
      case 22:
        out = &stat.starttime_ticks;
        break;
      case 23:
        out = &stat.vsize_bytes;
        break;
      case 24:
        out = &stat.rss_pages;
        break;
      default:
        break;
    }
    if (!(fields >> *out)) return std::nullopt;
  }
  return stat;
}

double TicksPerSecond() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

// "btime <unix seconds>" in /proc/stat: when the system booted.
double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) != 0) continue;
    try {
      return std::stod(line.substr(6));
    } catch (const std::exception&) {
      return kUnknown;
    }
  }
  return kUnknown;
}

double OpenFds() {
  std::error_code ec;
  double count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++count;
  }
  return ec ? kUnknown : count;
}

// The soft limit from the "Max open files" row of /proc/self/limits.
double MaxFds() {
  std::ifstream in("/proc/self/limits");
  constexpr std::string_view kRow = "Max open files";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(kRow, 0) != 0) continue;
    std::istringstream fields(line.substr(kRow.size()));
    std::string soft;
    fields >> soft;
    if (soft == "unlimited") return kUnknown;
    try {
      return std::stod(soft);
    } catch (const std::exception&) {
      return kUnknown;
    }
  }
  return kUnknown;
}

void Add(std::vector<prometheus::MetricFamily>* families, const char* name, const char* help,
         prometheus::MetricType type, double value) {
  if (std::isnan(value)) return;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  families->push_back({name, help, type, {metric}});
}

}  // namespace

ProcessCollector::ProcessCollector() : start_time_seconds_(kUnknown) {
  const auto stat = ReadStat();
  const double boot = BootTimeSeconds();
  if (stat && !std::isnan(boot)) {
    start_time_seconds_ = boot + stat->starttime_ticks / TicksPerSecond();
  }
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  // Help texts and types as in the Go and Python clients, so dashboards that
  // expect theirs work unchanged.
  if (const auto stat = ReadStat()) {
    Add(&families, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
        MetricType::Counter, (stat->utime_ticks + stat->stime_ticks) / TicksPerSecond());
    Add(&families, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
        MetricType::Gauge, stat->vsize_bytes);
    Add(&families, "process_resident_memory_bytes", "Resident memory size in bytes.",
        MetricType::Gauge, stat->rss_pages * static_cast<double>(sysconf(_SC_PAGESIZE)));
  }
  Add(&families, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
      OpenFds());
  Add(&families, "process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
      MaxFds());
  Add(&families, "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
      start_time_seconds_);
  return families;
}

ProcessSample SampleProcess() {
  ProcessSample sample;
  if (const auto stat = ReadStat()) {
    sample.cpu_seconds = (stat->utime_ticks + stat->stime_ticks) / TicksPerSecond();
    sample.rss_bytes = stat->rss_pages * static_cast<double>(sysconf(_SC_PAGESIZE));
    sample.vm_bytes = stat->vsize_bytes;
  }
  return sample;
}

}  // namespace roseyd::metrics
