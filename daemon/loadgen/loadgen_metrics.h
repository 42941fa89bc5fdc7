#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "report/results.h"

namespace roseyd::loadgen {

// The load generator on /metrics: live figures while a scenario runs,
// labelled by scenario, and after each run its results and verdicts
// (labelled by scenario and roseyd version, so dashboards can follow a
// figure across versions). Names: docs/METRICS.md.
//
// Thread: thread-safe. *registry must outlive it.
class LoadgenMetrics {
 public:
  explicit LoadgenMetrics(prometheus::Registry* registry);

  struct Live {
    prometheus::Gauge* running;
    prometheus::Gauge* target_rate;
    prometheus::Counter* sent;
    prometheus::Counter* persisted;
    prometheus::Counter* lost;
    prometheus::Histogram* event_latency;
    prometheus::Histogram* request_latency;
  };
  Live ForScenario(const std::string& scenario);

  // Publishes a finished scenario's figures and verdict.
  void Publish(const report::ScenarioResult& result);

 private:
  prometheus::Family<prometheus::Gauge>& running_;
  prometheus::Family<prometheus::Gauge>& target_rate_;
  prometheus::Family<prometheus::Counter>& sent_;
  prometheus::Family<prometheus::Counter>& persisted_;
  prometheus::Family<prometheus::Counter>& lost_;
  prometheus::Family<prometheus::Histogram>& event_latency_;
  prometheus::Family<prometheus::Histogram>& request_latency_;
  prometheus::Family<prometheus::Gauge>& result_;
  prometheus::Family<prometheus::Gauge>& target_;
  prometheus::Family<prometheus::Gauge>& status_;
  prometheus::Gauge& last_run_;
};

}  // namespace roseyd::loadgen
