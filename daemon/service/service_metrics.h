#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "service/rejection.h"
#include "service/storage_metrics.h"
#include "service/subject.h"
#include "writer/event_writer.h"

namespace roseyd::service {

// The roseyd_* metrics of the service and the store, registered once with
// per-subject children cached (a Family lookup takes a lock and a hash).
// It is the EventWriter's CommitListener: what commits is what it counts as
// persisted. Refused events and refused requests are counted apart, and
// logged, rate-limited per reason.
//
// Thread: thread-safe (prometheus-cpp metrics are). *registry must outlive it.
class ServiceMetrics : public store::CommitListener {
 public:
  explicit ServiceMetrics(prometheus::Registry* registry);

  void EventReceived(Subject subject) { received_[Index(subject)]->Increment(); }
  // An event refused: counted in roseyd_events_rejected_total and logged
  // (at most one line per reason every few seconds).
  void Rejected(std::string_view subject_label, const Rejection& rejection);
  void Rejected(Subject subject, const Rejection& rejection) {
    Rejected(SubjectSuffix(subject), rejection);
  }
  // A request refused (its reply, if it has a reply subject, says why):
  // counted in roseyd_requests_rejected_total and logged, rate-limited.
  void RequestRejected(std::string_view subject_label, const Rejection& rejection);
  // A status.update key outside the whitelist, dropped while the event's
  // other keys applied: counted, logged rate-limited; not a rejection.
  void StatusKeyIgnored(std::string_view key);

  // The request metrics of one `subject` label, looked up once by whoever
  // answers that subject (a Family lookup takes a lock and a hash).
  class RequestMetrics {
   public:
    void Served(std::chrono::nanoseconds duration);  // replied, error replies too
    void Failed() { errors_->Increment(); }          // its database query failed

   private:
    friend class ServiceMetrics;
    prometheus::Counter* served_ = nullptr;
    prometheus::Counter* errors_ = nullptr;
    prometheus::Histogram* duration_ = nullptr;
  };
  RequestMetrics ForRequests(const std::string& subject_label);

  void SetWriteQueueDepth(double depth) { write_queue_depth_->Set(depth); }
  void SetWriteQueueCapacity(double capacity) { write_queue_capacity_->Set(capacity); }
  // roseyd_store_leader: 1 while this roseyd writes to the store (it holds
  // the writer's claim), 0 while it does not. Read at each scrape against
  // `until` (the claim's lease, steady clock), so that a process stopped
  // and woken again never shows a lease that ran out while it slept.
  void SetStoreLeaderUntil(std::chrono::steady_clock::time_point until);
  void SetStoreLeader(bool leader) {
    SetStoreLeaderUntil(leader ? std::chrono::steady_clock::time_point::max()
                               : std::chrono::steady_clock::time_point::min());
  }
  // Metrics computed at each scrape, for the exposer beside the registry.
  std::shared_ptr<prometheus::Collectable> scraped() const;
  // Events the bus carried on the stream's subjects that the stream never
  // stored (StreamWitness): roseyd_events_unstored_total.
  void EventsUnstored(double events) { events_unstored_->Increment(events); }
  // Of those, written back into the stream and acknowledged:
  // roseyd_events_restored_total.
  void EventsRestored(double events) { events_restored_->Increment(events); }
  void SetRequestQueueDepth(double depth) { request_queue_depth_->Set(depth); }
  void SetNatsConnected(bool connected) { nats_connected_->Set(connected ? 1 : 0); }
  void NatsDisconnected() { nats_disconnects_->Increment(); }
  void NatsReconnected() { nats_reconnects_->Increment(); }
  void NatsDropped(double messages) { nats_dropped_->Increment(messages); }
  void StreamRedelivered() { stream_redelivered_->Increment(); }
  void StreamMissed(double events) { stream_missed_->Increment(events); }
  void StreamConsumerReset() { stream_resets_->Increment(); }
  // roseyd_stream_applied_seq: the sink's StreamPosition.
  void SetStreamPosition(double seq) { stream_applied_seq_->Set(seq); }

  // store::CommitListener
  void OnCommitted(std::span<const store::Event> batch,
                   std::chrono::nanoseconds commit_duration) noexcept override;
  void OnRejected(const store::Event& event, const Status& why) noexcept override;
  void OnWriteError(const Status& why) noexcept override;

  // The plugin storage API's metrics, by family and operation.
  StorageMetrics& storage() { return storage_; }

  // Totals, for tests, logs and the benchmark.
  double ReceivedTotal() const;
  double PersistedTotal() const;
  double RejectedTotal() const { return rejected_total_.load(std::memory_order_relaxed); }

 private:
  // At most one log line per interval; counts the lines it held back.
  class LogLimiter {
   public:
    // True if a line may go now; *held_back is how many did not since.
    bool Allow(int64_t* held_back);

   private:
    std::atomic<int64_t> next_ns_{0};
    std::atomic<int64_t> suppressed_{0};
  };

  static std::size_t Index(Subject s) { return static_cast<std::size_t>(s); }
  // "rejected <subject> <what> (<reason>): <detail>"; `what` is "message" or "request".
  void LogRefusal(const char* what, std::string_view subject_label, const Rejection& rejection);

  prometheus::Family<prometheus::Counter>& rejected_family_;
  prometheus::Family<prometheus::Counter>& requests_rejected_family_;
  prometheus::Family<prometheus::Counter>& requests_family_;
  prometheus::Family<prometheus::Counter>& request_errors_family_;
  prometheus::Family<prometheus::Histogram>& request_duration_family_;
  std::array<prometheus::Counter*, kSubjectCount> received_{};
  // + store_api, plugin_storage
  std::array<prometheus::Counter*, kSubjectCount + 2> persisted_{};
  prometheus::Histogram* commit_latency_;
  prometheus::Histogram* commit_duration_;
  prometheus::Histogram* batch_size_;
  prometheus::Counter* write_errors_;
  prometheus::Gauge* write_queue_depth_;
  prometheus::Gauge* write_queue_capacity_;
  class LeaderGauge;
  std::shared_ptr<LeaderGauge> store_leader_;
  prometheus::Gauge* request_queue_depth_;
  prometheus::Gauge* nats_connected_;
  prometheus::Counter* nats_disconnects_;
  prometheus::Counter* nats_reconnects_;
  prometheus::Counter* nats_dropped_;
  prometheus::Counter* stream_redelivered_;
  prometheus::Counter* stream_missed_;
  prometheus::Counter* events_unstored_;
  prometheus::Counter* events_restored_;
  prometheus::Counter* stream_resets_;
  prometheus::Gauge* stream_applied_seq_;
  prometheus::Counter* status_keys_ignored_;

  std::atomic<double> rejected_total_{0};
  // Rate limits of the logs: per reason (events and requests alike), and for
  // ignored status keys.
  std::array<LogLimiter, static_cast<std::size_t>(RejectReason::kCount)> refusal_logs_;
  LogLimiter status_key_log_;
  StorageMetrics storage_;
};

}  // namespace roseyd::service
