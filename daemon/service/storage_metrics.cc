#include "service/storage_metrics.h"

namespace roseyd::service {

namespace {

// 100 us to 10 s: Rosey's targets (KV p99 25 ms, row p95 10-20 ms) sit mid-range.
const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
      0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0,  10.0};
  return kBuckets;
}

}  // namespace

StorageMetrics::StorageMetrics(prometheus::Registry* registry)
    : requests_(prometheus::BuildCounter()
                    .Name("roseyd_storage_requests_total")
                    .Help("Plugin storage requests answered, by API family and operation")
                    .Register(*registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("roseyd_storage_request_duration_seconds")
                    .Help("Plugin storage requests, from arrival to reply (a write's includes "
                          "its commit), by API family and operation")
                    .Register(*registry)),
      errors_(prometheus::BuildCounter()
                  .Name("roseyd_storage_errors_total")
                  .Help("Plugin storage requests answered with an error, by API family, "
                        "operation and error code")
                  .Register(*registry)) {
  auto& non_finite = prometheus::BuildCounter()
                         .Name("roseyd_storage_non_finite_values_total")
                         .Help("Stored non-finite floats (NaN, Infinity, as the original could "
                               "store) that plugin storage reads answered as JSON null, by API "
                               "family")
                         .Register(*registry);
  non_finite_kv_ = &non_finite.Add({{"family", "kv"}});
  non_finite_row_ = &non_finite.Add({{"family", "row"}});
}

void StorageMetrics::NonFiniteAnswered(std::string_view family, size_t count) {
  if (count == 0) return;
  (family == "kv" ? non_finite_kv_ : non_finite_row_)->Increment(static_cast<double>(count));
}

const StorageMetrics::Operation& StorageMetrics::For(std::string_view family,
                                                     std::string_view operation) {
  MutexLock lock(&mu_);
  auto key = std::make_pair(std::string(family), std::string(operation));
  if (auto it = operations_.find(key); it != operations_.end()) return it->second;
  Operation& op = operations_[key];
  const prometheus::Labels labels{{"family", key.first}, {"operation", key.second}};
  op.requests_ = &requests_.Add(labels);
  op.duration_ = &duration_.Add(labels, DurationBuckets());
  op.errors_ = &errors_;
  op.labels_ = labels;
  return op;
}

void StorageMetrics::Operation::Answered(std::chrono::nanoseconds duration,
                                         std::optional<storage_api::ErrorCode> error) const {
  requests_->Increment();
  duration_->Observe(std::chrono::duration<double>(duration).count());
  if (!error) return;
  // Errors are the exception: the lookup (a lock and a hash) is paid then.
  prometheus::Labels labels = labels_;
  labels.emplace("code", std::string(storage_api::ErrorCodeName(*error)));
  errors_->Add(labels).Increment();
}

}  // namespace roseyd::service
