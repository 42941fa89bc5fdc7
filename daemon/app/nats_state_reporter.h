#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "base/mutex.h"
#include "base/repeat_backoff.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "bus/connection.h"
#include "metrics/readiness.h"
#include "service/service_metrics.h"

namespace roseyd {

// Logs the NATS connection's changes, saying what they mean for events
// (lost on core NATS, kept by the stream under durable intake), mirrors
// them into the metrics and the readiness (/ready), and while NATS is not
// connected, at start or after a loss, says so again every so often: after
// 5 s, then twice as long each time, at most every 5 minutes.
//
// Thread: thread-safe (called on cnats threads, and Tick on the daemon's).
// *metrics and *readiness must outlive it.
class NatsStateReporter : public bus::ConnectionListener {
 public:
  using Clock = std::chrono::steady_clock;

  // `url`: the server(s), redacted, for the log. `durable`:
  // service.durability is jetstream.
  NatsStateReporter(service::ServiceMetrics* metrics, metrics::Readiness* readiness,
                    std::string url, bool durable);

  // The connection was made (or is being retried in the background):
  // `connected` is its state now. Not connected: logs that roseyd is not
  // connected and keeps trying.
  void Started(bool connected) EXCLUDES(mu_);
  // Called about every second: the next reminder, when one is due.
  void Tick(Clock::time_point now) EXCLUDES(mu_);

  // Our own close also disconnects: that is not news. Call before closing.
  void ExpectClose() { closing_ = true; }

  void OnConnected() noexcept override;
  void OnDisconnected() noexcept override;
  void OnReconnected() noexcept override;
  void OnClosed() noexcept override;
  void OnAsyncError(const Status& error) noexcept override;

 private:
  // What happens to events published while roseyd is not connected.
  const char* Meanwhile() const;
  // NATS is up (again) or down: the metric, the readiness and the
  // reminders, under mu_ so that a callback racing Started() cannot leave
  // them contradicting each other. Up returns how long it was down.
  double Up() EXCLUDES(mu_);
  void Down() EXCLUDES(mu_);

  service::ServiceMetrics* const metrics_;
  metrics::Readiness* const readiness_;
  const std::string url_;
  const bool durable_;
  std::atomic<bool> closing_{false};
  Mutex mu_;
  bool connected_ GUARDED_BY(mu_) = false;
  RepeatBackoff down_ GUARDED_BY(mu_){std::chrono::seconds(5), std::chrono::minutes(5)};
};

}  // namespace roseyd
