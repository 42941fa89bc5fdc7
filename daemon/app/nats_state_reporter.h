#pragma once

#include <atomic>
#include <cstdint>

#include "base/status.h"
#include "bus/connection.h"
#include "service/service_metrics.h"

namespace roseyd {

// Logs the NATS connection's changes, saying what they mean for events
// (lost on core NATS, kept by the stream under durable intake), and mirrors
// them into the metrics.
//
// Thread: thread-safe (called on cnats threads). *metrics must outlive it.
class NatsStateReporter : public bus::ConnectionListener {
 public:
  // `durable`: service.durability is jetstream.
  NatsStateReporter(service::ServiceMetrics* metrics, bool durable)
      : metrics_(metrics), durable_(durable) {}

  // Our own close also disconnects: that is not news. Call before closing.
  void ExpectClose() { closing_ = true; }

  void OnDisconnected() noexcept override;
  void OnReconnected() noexcept override;
  void OnClosed() noexcept override;
  void OnAsyncError(const Status& error) noexcept override;

 private:
  service::ServiceMetrics* const metrics_;
  const bool durable_;
  std::atomic<bool> closing_{false};
  std::atomic<int64_t> lost_at_ns_{0};  // steady clock
};

}  // namespace roseyd
