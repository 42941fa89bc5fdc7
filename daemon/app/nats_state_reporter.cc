#include "app/nats_state_reporter.h"

#include <chrono>

#include <spdlog/spdlog.h>

namespace roseyd {

namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void NatsStateReporter::OnDisconnected() noexcept {
  metrics_->SetNatsConnected(false);
  if (closing_) return;
  metrics_->NatsDisconnected();
  lost_at_ns_ = NowNs();
  spdlog::warn("NATS connection lost; reconnecting ({})",
               durable_ ? "events published meanwhile wait in the stream"
                        : "events published meanwhile on core NATS are not delivered to roseyd");
}

void NatsStateReporter::OnReconnected() noexcept {
  metrics_->SetNatsConnected(true);
  metrics_->NatsReconnected();
  const double offline_s = static_cast<double>(NowNs() - lost_at_ns_.load()) / 1e9;
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
}

void NatsStateReporter::OnClosed() noexcept { metrics_->SetNatsConnected(false); }

void NatsStateReporter::OnAsyncError(const Status& error) noexcept {
  spdlog::error("NATS: {}", error.ToString());
}

}  // namespace roseyd
