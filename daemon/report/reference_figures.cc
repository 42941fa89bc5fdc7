#include "report/reference_figures.h"

namespace roseyd::report {

const std::vector<ReferenceFigure>& OriginalServiceFigures() {
  static const std::vector<ReferenceFigure> figures = {
      {"persisted message.log events/s", 862, "862 (760-897 over 10 earlier runs)",
       "20,000 chat lines published at once, rows counted in the file", "burst",
       "persisted_per_second",
       "chat lines sent back to back, first send to last commit, rows counted (fewer lines "
       "than the original's 20,000)",
       "ev/s", true},
      {"CPU per persisted event", 650, "about 650 us (590-733)",
       "process CPU seconds over the same 20,000", "burst", "cpu_us_per_event",
       "the service's CPU (this process less the load generator's threads) over the burst",
       "us", false},
      {"RSS idle", 40.5, "40.5 MiB", "/proc", "memory_baseline", "rss_idle_mib",
       "the whole process: the bot's service, the benchmark's instance and the load generator",
       "MiB", false},
      {"RSS under load", 48, "47-49 MiB", "/proc, under the 20,000-line load", "memory_baseline",
       "rss_peak_mib", "peak of the whole process under the scenario's load", "MiB", false},
      {"query round trip p50, from the intended send", 1.14, "1.14 ms",
       "query.user_stats at 1,000 req/s, 5,000 requests, open loop", "request_reply_latency",
       "p50_latency_ms", "the four query subjects in turn at the scenario's rate", "ms", false},
      {"query round trip p99, from the intended send", 2.67, "2.67 ms",
       "query.user_stats at 1,000 req/s, 5,000 requests, open loop", "request_reply_latency",
       "p99_latency_ms", "the four query subjects in turn at the scenario's rate", "ms", false},
  };
  return figures;
}

}  // namespace roseyd::report
