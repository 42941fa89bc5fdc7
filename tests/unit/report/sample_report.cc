#include "unit/report/sample_report.h"

#include <chrono>
#include <fstream>
#include <sstream>

namespace roseyd::report {

Figure Judged(std::string metric, double value, double target, Comparison c) {
  Figure f;
  f.metric = std::move(metric);
  f.value = value;
  f.target = target;
  f.comparison = c;
  f.verdict = Judge(value, target, c);
  f.headroom = Headroom(value, target, c);
  return f;
}

RunReport SampleReport() {
  RunReport r;
  r.suite = "quick";
  r.started_utc = "2026-11-22T18:00:00Z";
  r.duration_s = 12.5;
  r.target = "embedded";
  r.environment = Environment{"Debian GNU/Linux 12 (bookworm)", "6.1.0-test", "Test CPU @ 2.0GHz",
                              4, uint64_t{8} << 30, "GNU 12.2.0", "0.1.0", "abc1234",
                              "nats-server: v2.9.11", "3.40.1", "data_dir: \"x\"\n"};
  ScenarioResult s;
  s.name = "single_event_latency";
  s.category = "latency";
  s.description = "one publisher";
  s.priority = Priority::kP0;
  s.sent = 100;
  s.persisted = 100;
  LatencyHistogram h;
  for (int i = 1; i <= 100; ++i) h.Record(std::chrono::microseconds(i * 10));
  s.event_latency = LatencyResult{Summarize(h), h.NonEmptyBuckets()};
  s.figures.push_back(Judged("mean_latency_ms", 0.5, 5, Comparison::kAtMost));
  s.status = Verdict::kPass;
  s.timeline.push_back(TimelinePoint{1, 100, 99, 12e6, 4e6, 1.5});
  s.timeline.push_back(TimelinePoint{2, 100, 101, 12.1e6, 4e6, 1.4});
  s.extra["duplicate_commits"] = 0;
  r.scenarios.push_back(s);
  ScenarioResult t;
  t.name = "sustained_throughput";
  t.category = "throughput";
  t.priority = Priority::kP0;
  t.figures.push_back(Judged("persisted_per_second", 1000, 100, Comparison::kAtLeast));
  t.status = Verdict::kPass;
  r.scenarios.push_back(t);
  return r;
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace roseyd::report
