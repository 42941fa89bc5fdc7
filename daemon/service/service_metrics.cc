#include "service/service_metrics.h"

#include <limits>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>
#include <spdlog/spdlog.h>

namespace roseyd::service {

namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// 50 us to 10 s: the protocol's targets (1-10 ms) sit mid-range.
const Histogram::BucketBoundaries& LatencyBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
  return kBuckets;
}

const Histogram::BucketBoundaries& BatchBuckets() {
  static const Histogram::BucketBoundaries kBuckets = {1,   2,   4,    8,    16,   32,  64,
                                                       128, 256, 512, 1024, 2048, 4096};
  return kBuckets;
}

constexpr std::size_t kStoreApiIndex = kSubjectCount;
constexpr std::size_t kPluginStorageIndex = kSubjectCount + 1;
constexpr std::chrono::seconds kLogInterval{5};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Which subject's counter a committed write belongs to.
std::size_t PersistedIndex(const store::Write& write) {
  struct Visitor {
    Subject operator()(const store::UserJoined&) const { return Subject::kUserJoined; }
    Subject operator()(const store::UserLeft&) const { return Subject::kUserLeft; }
    Subject operator()(const store::ChatMessage&) const { return Subject::kMessageLog; }
    Subject operator()(const store::UserCount&) const { return Subject::kUserCount; }
    Subject operator()(const store::HighWater&) const { return Subject::kHighWater; }
    Subject operator()(const store::StatusUpdate&) const { return Subject::kStatusUpdate; }
    Subject operator()(const store::MarkSent&) const { return Subject::kMarkSent; }
    Subject operator()(const store::MarkFailed&) const { return Subject::kMarkFailed; }
    Subject operator()(const store::UserAction&) const { return Subject::kPmCommand; }
    Subject operator()(const store::LogChat&) const { return Subject::kCount; }
    Subject operator()(const std::shared_ptr<store::PluginWrite>&) const {
      return static_cast<Subject>(kPluginStorageIndex);
    }
  };
  return static_cast<std::size_t>(std::visit(Visitor{}, write));
}

std::string SubjectLabel(std::size_t index) {
  if (index == kStoreApiIndex) return "store_api";
  if (index == kPluginStorageIndex) return "plugin_storage";  // kv, row and migrate writes
  return std::string(SubjectSuffix(static_cast<Subject>(index)));
}

}  // namespace

// roseyd_store_leader, computed when scraped (prometheus-cpp's gauges hold a
// value someone must have set, and nobody runs in a stopped process).
class ServiceMetrics::LeaderGauge : public prometheus::Collectable {
 public:
  void SetUntil(std::chrono::steady_clock::time_point until) {
    until_ns_.store(
        std::chrono::duration_cast<std::chrono::nanoseconds>(until.time_since_epoch()).count(),
        std::memory_order_release);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::ClientMetric metric;
    metric.gauge.value = NowNs() < until_ns_.load(std::memory_order_acquire) ? 1 : 0;
    prometheus::MetricFamily family;
    family.name = "roseyd_store_leader";
    family.help =
        "1 if this roseyd writes to the store (it holds the writer's claim and has proven it "
        "within its lease), 0 if not";
    family.type = prometheus::MetricType::Gauge;
    family.metric.push_back(std::move(metric));
    return {std::move(family)};
  }

 private:
  std::atomic<int64_t> until_ns_{std::numeric_limits<int64_t>::min()};
};

std::shared_ptr<prometheus::Collectable> ServiceMetrics::scraped() const { return store_leader_; }

void ServiceMetrics::SetStoreLeaderUntil(std::chrono::steady_clock::time_point until) {
  store_leader_->SetUntil(until);
}

ServiceMetrics::ServiceMetrics(prometheus::Registry* registry)
    : rejected_family_(BuildCounter()
                           .Name("roseyd_events_rejected_total")
                           .Help("Event messages refused (not written), by subject and reason")
                           .Register(*registry)),
      requests_rejected_family_(
          BuildCounter()
              .Name("roseyd_requests_rejected_total")
              .Help("Requests refused (answered with an error, or without a reply subject), by "
                    "subject and reason")
              .Register(*registry)),
      requests_family_(BuildCounter()
                           .Name("roseyd_requests_total")
                           .Help("Requests answered, by subject")
                           .Register(*registry)),
      request_errors_family_(BuildCounter()
                                 .Name("roseyd_request_errors_total")
                                 .Help("Requests whose database query failed, by subject")
                                 .Register(*registry)),
      request_duration_family_(
          BuildHistogram()
              .Name("roseyd_request_duration_seconds")
              .Help("From a request's arrival to its reply, including the read-your-writes wait")
              .Register(*registry)),
      storage_(registry) {
  auto& received = BuildCounter()
                       .Name("roseyd_events_received_total")
                       .Help("Event messages received from NATS, by subject")
                       .Register(*registry);
  auto& persisted = BuildCounter()
                        .Name("roseyd_events_persisted_total")
                        .Help("Events whose rows were committed to the store, by subject")
                        .Register(*registry);
  for (std::size_t i = 0; i < kSubjectCount; ++i) {
    const std::string label = SubjectLabel(i);
    if (IsRequest(static_cast<Subject>(i))) {
      // Exported at zero from the start, before any request family registers.
      (void)ForRequests(label);
    } else {
      received_[i] = &received.Add({{"subject", label}});
      persisted_[i] = &persisted.Add({{"subject", label}});
    }
  }
  for (const std::size_t index : {kStoreApiIndex, kPluginStorageIndex}) {
    persisted_[index] = &persisted.Add({{"subject", SubjectLabel(index)}});
  }

  commit_latency_ = &BuildHistogram()
                         .Name("roseyd_event_commit_latency_seconds")
                         .Help("From an event's arrival at roseyd to the commit holding its row")
                         .Register(*registry)
                         .Add({}, LatencyBuckets());
  commit_duration_ = &BuildHistogram()
                          .Name("roseyd_commit_duration_seconds")
                          .Help("Time of one write transaction, BEGIN to COMMIT")
                          .Register(*registry)
                          .Add({}, LatencyBuckets());
  batch_size_ = &BuildHistogram()
                     .Name("roseyd_commit_batch_size")
                     .Help("Events per committed transaction")
                     .Register(*registry)
                     .Add({}, BatchBuckets());
  write_errors_ = &BuildCounter()
                       .Name("roseyd_write_errors_total")
                       .Help("Write transactions that failed and were retried")
                       .Register(*registry)
                       .Add({});
  write_queue_depth_ = &BuildGauge()
                            .Name("roseyd_write_queue_depth")
                            .Help("Events waiting for the writer thread")
                            .Register(*registry)
                            .Add({});
  write_queue_capacity_ = &BuildGauge()
                               .Name("roseyd_write_queue_capacity")
                               .Help("Events the write queue holds before intake blocks")
                               .Register(*registry)
                               .Add({});
  store_leader_ = std::make_shared<LeaderGauge>();
  request_queue_depth_ = &BuildGauge()
                              .Name("roseyd_request_queue_depth")
                              .Help("Requests waiting for a request worker")
                              .Register(*registry)
                              .Add({});
  nats_connected_ = &BuildGauge()
                         .Name("roseyd_nats_connected")
                         .Help("1 while the NATS connection is up")
                         .Register(*registry)
                         .Add({});
  nats_disconnects_ = &BuildCounter()
                           .Name("roseyd_nats_disconnects_total")
                           .Help("Times the NATS connection was lost")
                           .Register(*registry)
                           .Add({});
  nats_reconnects_ = &BuildCounter()
                          .Name("roseyd_nats_reconnects_total")
                          .Help("Times the NATS connection was re-established")
                          .Register(*registry)
                          .Add({});
  nats_dropped_ = &BuildCounter()
                       .Name("roseyd_nats_dropped_messages_total")
                       .Help("Messages the NATS client dropped as a slow consumer")
                       .Register(*registry)
                       .Add({});
  stream_redelivered_ =
      &BuildCounter()
           .Name("roseyd_stream_redelivered_total")
           .Help("Durable mode: stream messages delivered again after roseyd had taken them "
                 "(skipped, so nothing is written twice)")
           .Register(*registry)
           .Add({});
  stream_missed_ = &BuildCounter()
                        .Name("roseyd_stream_missed_total")
                        .Help("Durable mode: events that left the stream (max_age, max_bytes) "
                              "before roseyd read them: lost")
                        .Register(*registry)
                        .Add({});
  events_unstored_ = &BuildCounter()
                          .Name("roseyd_events_unstored_total")
                          .Help("Durable mode: events NATS carried on the stream's subjects that "
                                "the stream never stored (no stream leader), found by the "
                                "witness")
                          .Register(*registry)
                          .Add({});
  events_restored_ = &BuildCounter()
                          .Name("roseyd_events_restored_total")
                          .Help("Durable mode: events the stream never stored that roseyd's "
                                "witness wrote back into it, acknowledged by the stream")
                          .Register(*registry)
                          .Add({});
  stream_resets_ = &BuildCounter()
                        .Name("roseyd_stream_consumer_resets_total")
                        .Help("Durable mode: times roseyd recreated its consumer at the "
                              "database's position (start-up, a gap, a lost consumer)")
                        .Register(*registry)
                        .Add({});
  stream_applied_seq_ = &BuildGauge()
                             .Name("roseyd_stream_applied_sequence")
                             .Help("Durable mode: the last stream sequence committed to the store")
                             .Register(*registry)
                             .Add({});
  status_keys_ignored_ =
      &BuildCounter()
           .Name("roseyd_status_keys_ignored_total")
           .Help("status.update keys outside the whitelist, dropped while the event's other "
                 "keys were applied")
           .Register(*registry)
           .Add({});
}

bool ServiceMetrics::LogLimiter::Allow(int64_t* held_back) {
  const int64_t now = NowNs();
  int64_t next = next_ns_.load(std::memory_order_relaxed);
  if (now < next || !next_ns_.compare_exchange_strong(
                        next, now + std::chrono::nanoseconds(kLogInterval).count())) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  *held_back = suppressed_.exchange(0, std::memory_order_relaxed);
  return true;
}

void ServiceMetrics::LogRefusal(const char* what, std::string_view subject_label,
                                const Rejection& rejection) {
  int64_t held_back = 0;
  if (!refusal_logs_[static_cast<std::size_t>(rejection.reason)].Allow(&held_back)) return;
  spdlog::warn("rejected {} {} ({}): {}{}", subject_label, what, ReasonName(rejection.reason),
               rejection.detail,
               held_back > 0 ? fmt::format(" [{} more like it since the last line]", held_back)
                             : std::string());
}

void ServiceMetrics::Rejected(std::string_view subject_label, const Rejection& rejection) {
  rejected_family_
      .Add({{"subject", std::string(subject_label)},
            {"reason", std::string(ReasonName(rejection.reason))}})
      .Increment();
  rejected_total_.fetch_add(1, std::memory_order_relaxed);
  LogRefusal("message", subject_label, rejection);
}

void ServiceMetrics::RequestRejected(std::string_view subject_label, const Rejection& rejection) {
  requests_rejected_family_
      .Add({{"subject", std::string(subject_label)},
            {"reason", std::string(ReasonName(rejection.reason))}})
      .Increment();
  LogRefusal("request", subject_label, rejection);
}

void ServiceMetrics::StatusKeyIgnored(std::string_view key) {
  status_keys_ignored_->Increment();
  int64_t held_back = 0;
  if (!status_key_log_.Allow(&held_back)) return;
  spdlog::info("status.update: ignored status_data key '{}' (not whitelisted; the other keys "
               "applied){}",
               key,
               held_back > 0 ? fmt::format(" [{} more since the last line]", held_back)
                             : std::string());
}

ServiceMetrics::RequestMetrics ServiceMetrics::ForRequests(const std::string& subject_label) {
  // Add returns the existing child when the labels are already there.
  RequestMetrics metrics;
  metrics.served_ = &requests_family_.Add({{"subject", subject_label}});
  metrics.errors_ = &request_errors_family_.Add({{"subject", subject_label}});
  metrics.duration_ = &request_duration_family_.Add({{"subject", subject_label}}, LatencyBuckets());
  return metrics;
}

void ServiceMetrics::RequestMetrics::Served(std::chrono::nanoseconds duration) {
  served_->Increment();
  duration_->Observe(std::chrono::duration<double>(duration).count());
}

void ServiceMetrics::OnCommitted(std::span<const store::Event> batch,
                                 std::chrono::nanoseconds commit_duration) noexcept {
  const auto now = std::chrono::steady_clock::now();
  for (const auto& event : batch) {
    persisted_[PersistedIndex(event.write)]->Increment();
    commit_latency_->Observe(std::chrono::duration<double>(now - event.received).count());
  }
  commit_duration_->Observe(std::chrono::duration<double>(commit_duration).count());
  batch_size_->Observe(static_cast<double>(batch.size()));
}

void ServiceMetrics::OnRejected(const store::Event& event, const Status& why) noexcept {
  try {
    Rejected(SubjectLabel(PersistedIndex(event.write)),
             Rejection{RejectReason::kStoreRejected, why.ToString()});
  } catch (...) {
    // Allocation failure while counting: nothing useful left to do.
  }
}

// The EventWriter logs the failure, knowing whether it is retried.
void ServiceMetrics::OnWriteError(const Status&) noexcept { write_errors_->Increment(); }

double ServiceMetrics::ReceivedTotal() const {
  double total = 0;
  for (const auto* counter : received_) {
    if (counter != nullptr) total += counter->Value();
  }
  return total;
}

double ServiceMetrics::PersistedTotal() const {
  double total = 0;
  for (const auto* counter : persisted_) {
    if (counter != nullptr) total += counter->Value();
  }
  return total;
}

}  // namespace roseyd::service
