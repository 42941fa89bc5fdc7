#include "app/nats_state_reporter.h"

#include <spdlog/spdlog.h>

namespace roseyd {

NatsStateReporter::NatsStateReporter(service::ServiceMetrics* metrics,
                                     metrics::Readiness* readiness, std::string url,
                                     bool durable)
    : metrics_(metrics), readiness_(readiness), url_(std::move(url)), durable_(durable) {}

const char* NatsStateReporter::Meanwhile() const {
  return durable_ ? "events published meanwhile wait in the stream"
                  : "events published meanwhile on core NATS do not reach roseyd";
}

void NatsStateReporter::Started(bool connected) {
  {
    MutexLock lock(&mu_);
    // The connected callback may have come between the caller's look and now.
    connected = connected || connected_;
    connected_ = connected;
    metrics_->SetNatsConnected(connected);
    readiness_->SetNatsConnected(connected);
    if (connected) return;
    down_.Begin(Clock::now());
  }
  spdlog::warn("NATS at {} is not reachable: roseyd is not connected and keeps trying in the "
               "background; it serves nothing until then ({})",
               url_, Meanwhile());
}

void NatsStateReporter::Tick(Clock::time_point now) {
  double down_s = 0;
  {
    MutexLock lock(&mu_);
    if (!down_.Due(now)) return;
    down_s = std::chrono::duration<double>(down_.HeldFor(now)).count();
  }
  spdlog::warn("NATS at {} still not connected after {:.0f} s; roseyd keeps trying and is not "
               "ready (/ready answers 503; {})",
               url_, down_s, Meanwhile());
}

double NatsStateReporter::Up() {
  MutexLock lock(&mu_);
  connected_ = true;
  metrics_->SetNatsConnected(true);
  readiness_->SetNatsConnected(true);
  const double down_s = std::chrono::duration<double>(down_.HeldFor(Clock::now())).count();
  down_.End();
  return down_s;
}

void NatsStateReporter::Down() {
  MutexLock lock(&mu_);
  connected_ = false;
  metrics_->SetNatsConnected(false);
  readiness_->SetNatsConnected(false);
  if (!closing_) down_.Begin(Clock::now());
}

void NatsStateReporter::OnConnected() noexcept {
  try {
    const double down_s = Up();
    spdlog::info("NATS connected after {:.1f} s: roseyd is ready and serves", down_s);
  } catch (...) {
  }
}

void NatsStateReporter::OnDisconnected() noexcept {
  try {
    Down();
    if (closing_) return;
    metrics_->NatsDisconnected();
    spdlog::warn("NATS connection lost; reconnecting ({})", Meanwhile());
  } catch (...) {
  }
}

void NatsStateReporter::OnReconnected() noexcept {
  try {
    metrics_->NatsReconnected();
    const double offline_s = Up();
    if (durable_) {
      spdlog::info("NATS connection re-established after {:.2f} s offline; the stream's "
                   "events of that time follow",
                   offline_s);
    } else {
      spdlog::warn("NATS connection re-established after {:.2f} s offline; on core NATS, "
                   "events published in that time did not reach roseyd (service.durability: "
                   "jetstream keeps them)",
                   offline_s);
    }
  } catch (...) {
  }
}

void NatsStateReporter::OnClosed() noexcept {
  try {
    closing_ = true;  // closed for good: no reminders
    Down();
  } catch (...) {
  }
}

void NatsStateReporter::OnAsyncError(const Status& error) noexcept {
  spdlog::error("NATS: {}", error.ToString());
}

}  // namespace roseyd
