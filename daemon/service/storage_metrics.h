#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "base/mutex.h"
#include "storage_api/error_reply.h"

namespace roseyd::service {

// The plugin storage API's metrics, by API family ("kv", "row", "migrate")
// and operation ("set", "insert", "schema.register", ...):
//   roseyd_storage_requests_total{family,operation}
//   roseyd_storage_request_duration_seconds{family,operation}
//   roseyd_storage_errors_total{family,operation,code}
//   roseyd_storage_non_finite_values_total{family}
// Labels take only the API's own names and error codes, never a plugin,
// table or key a client chose: their number is bounded.
//
// Thread: thread-safe. *registry must outlive it.
class StorageMetrics {
 public:
  explicit StorageMetrics(prometheus::Registry* registry);

  StorageMetrics(const StorageMetrics&) = delete;
  StorageMetrics& operator=(const StorageMetrics&) = delete;

  // One operation's children, looked up once (a Family lookup takes a lock
  // and a hash).
  class Operation {
   public:
    // A request answered, `duration` from its arrival; `error` its error
    // code when the reply is a failure (that code's series is created then).
    void Answered(std::chrono::nanoseconds duration,
                  std::optional<storage_api::ErrorCode> error) const;

   private:
    friend class StorageMetrics;
    prometheus::Counter* requests_ = nullptr;
    prometheus::Histogram* duration_ = nullptr;
    prometheus::Family<prometheus::Counter>* errors_ = nullptr;
    prometheus::Labels labels_;
  };

  // The children of (family, operation), created at zero on first use.
  const Operation& For(std::string_view family, std::string_view operation);

  // `count` stored non-finite floats (NaN, +-Infinity, which the original
  // could store) answered as JSON null by a read of `family` ("kv", "row").
  void NonFiniteAnswered(std::string_view family, size_t count);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Counter* non_finite_kv_;
  prometheus::Counter* non_finite_row_;

  Mutex mu_;
  // std::map: references to its values stay valid as it grows.
  std::map<std::pair<std::string, std::string>, Operation> operations_ GUARDED_BY(mu_);
};

}  // namespace roseyd::service
