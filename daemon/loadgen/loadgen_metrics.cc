#include "loadgen/loadgen_metrics.h"

#include <chrono>

#include "base/build_info.h"

namespace roseyd::loadgen {

using report::Figure;
using report::ScenarioResult;

namespace {

// 50 us to 10 s: the loadgen measures across the whole path, stalls included.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     10};
  return buckets;
}

}  // namespace

LoadgenMetrics::LoadgenMetrics(prometheus::Registry* registry)
    : running_(prometheus::BuildGauge()
                   .Name("roseyd_loadgen_running")
                   .Help("1 while the load generator runs this scenario")
                   .Register(*registry)),
      target_rate_(prometheus::BuildGauge()
                       .Name("roseyd_loadgen_target_rate")
                       .Help("Events (or requests) per second the scenario offers")
                       .Register(*registry)),
      sent_(prometheus::BuildCounter()
                .Name("roseyd_loadgen_events_sent_total")
                .Help("Events the load generator published (counted as each goes out)")
                .Register(*registry)),
      persisted_(prometheus::BuildCounter()
                     .Name("roseyd_loadgen_events_persisted_total")
                     .Help("Load-generator events whose commit was observed")
                     .Register(*registry)),
      lost_(prometheus::BuildCounter()
                .Name("roseyd_loadgen_events_lost_total")
                .Help("Sent minus persisted (counted in the database), added at the end of a scenario")
                .Register(*registry)),
      event_latency_(prometheus::BuildHistogram()
                         .Name("roseyd_loadgen_event_latency_seconds")
                         .Help("Intended send time to the commit of the event's row")
                         .Register(*registry)),
      request_latency_(prometheus::BuildHistogram()
                           .Name("roseyd_loadgen_request_latency_seconds")
                           .Help("Intended send time to the reply")
                           .Register(*registry)),
      result_(prometheus::BuildGauge()
                  .Name("roseyd_bench_result")
                  .Help("A figure measured by the last run of the scenario")
                  .Register(*registry)),
      target_(prometheus::BuildGauge()
                  .Name("roseyd_bench_target")
                  .Help("The target of the figure")
                  .Register(*registry)),
      status_(
          prometheus::BuildGauge()
              .Name("roseyd_bench_status")
              .Help("Verdict of the last run of the scenario: 0 PASS, 1 WARN, 2 FAIL, 3 not run, "
                    "4 DISTURBED (a timing target missed while the noise floor moved), "
                    "5 CANCELLED")
              .Register(*registry)),
      last_run_(prometheus::BuildGauge()
                    .Name("roseyd_bench_last_run_timestamp_seconds")
                    .Help("Unix time the last scenario finished")
                    .Register(*registry)
                    .Add({})) {}

LoadgenMetrics::Live LoadgenMetrics::ForScenario(const std::string& scenario) {
  const prometheus::Labels labels{{"scenario", scenario}};
  return Live{&running_.Add(labels),
              &target_rate_.Add(labels),
              &sent_.Add(labels),
              &persisted_.Add(labels),
              &lost_.Add(labels),
              &event_latency_.Add(labels, LatencyBuckets()),
              &request_latency_.Add(labels, LatencyBuckets())};
}

void LoadgenMetrics::Publish(const ScenarioResult& result) {
  const std::string version(GetBuildInfo().version);
  for (const Figure& f : result.figures) {
    result_.Add({{"scenario", result.name}, {"metric", f.metric}, {"version", version}})
        .Set(f.value);
    if (f.target) target_.Add({{"scenario", result.name}, {"metric", f.metric}}).Set(*f.target);
  }
  status_.Add({{"scenario", result.name}, {"version", version}})
      .Set(static_cast<double>(result.status));
  last_run_.Set(std::chrono::duration<double>(
                    std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace roseyd::loadgen
