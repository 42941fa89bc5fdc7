#pragma once

#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

namespace roseyd::metrics {

// The standard process_* metrics of Prometheus client libraries, read from
// /proc/self at each scrape (prometheus-cpp 1.0 has no process collector):
// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds. A value that cannot be read is left out.
//
// Thread: thread-safe (stateless apart from constants).
class ProcessCollector : public prometheus::Collectable {
 public:
  ProcessCollector();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  double start_time_seconds_;  // Unix time the process started
};

// One-shot readings of this process, for benchmarks and reports.
struct ProcessSample {
  double cpu_seconds = 0;  // user + system, all threads
  double rss_bytes = 0;
  double vm_bytes = 0;
};
ProcessSample SampleProcess();

}  // namespace roseyd::metrics
