#include "service/core_intake.h"

#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "service/classic_query_handler.h"
#include "service/subject.h"

namespace roseyd::service {

CoreIntake::CoreIntake(const Config& config, std::vector<std::string> subjects,
                       bus::Connection* connection, EventHandler* events, RequestService* requests,
                       store::EventSink* sink, ServiceMetrics* metrics)
    : config_(config),
      subjects_(std::move(subjects)),
      connection_(connection),
      events_(events),
      requests_(requests),
      sink_(sink),
      metrics_(metrics) {}

void CoreIntake::Start() {
  for (const std::string& subject : subjects_) {
    auto subscription = connection_->Subscribe(subject, config_.service.queue_group,
                                               [this](const bus::Message& m) { OnMessage(m); });
    const Status s = subscription->SetPendingLimits(config_.nats.pending_msgs_limit,
                                                    config_.nats.pending_bytes_limit);
    if (!s.ok()) throw StartupError("service", "cannot set pending limits: " + s.ToString());
    subscriptions_.push_back(std::move(subscription));
  }
}

void CoreIntake::OnMessage(const bus::Message& message) noexcept {
  try {
    const auto subject = ParseSubject(config_.service.subject_prefix, message.subject);
    if (subject && !IsRequest(*subject)) {
      events_->Handle(*subject, message, 0);
    } else if (!requests_->Accept(message, sink_->LastSubmitted())) {
      RefuseUnknownSubject(message);
    }
  } catch (const std::exception& e) {
    // Only allocation can throw here; never let it reach cnats's C thread.
    spdlog::error("failed to handle a message on {}: {}", message.subject, e.what());
  }
}

// With a reply subject it was meant as a request: answer at once rather than
// let the client time out. Without one, it was an event nobody handles.
void CoreIntake::RefuseUnknownSubject(const bus::Message& message) {
  const std::string subject(message.subject);
  Rejection rejection{RejectReason::kUnknownSubject, "no such subject: " + subject};
  if (message.reply.empty()) {
    metrics_->Rejected("unknown", rejection);
    return;
  }
  metrics_->RequestRejected("unknown", rejection);
  const Status s =
      connection_->Publish(message.reply, ClassicErrorReply("Unknown subject '" + subject + "'"));
  if (!s.ok())
    spdlog::warn("could not send the reply to a request on {}: {}", subject, s.ToString());
}

void CoreIntake::Stop(std::chrono::milliseconds timeout) {
  if (subscriptions_.empty()) return;
  const auto started = std::chrono::steady_clock::now();
  int pending = 0;
  for (const auto& subscription : subscriptions_) pending += subscription->Pending();
  for (const auto& subscription : subscriptions_) {
    const Status s = subscription->Drain(timeout);
    if (!s.ok()) {
      spdlog::error(
          "draining the subscription did not finish within service.drain_timeout "
          "({} ms); up to {} received messages are lost: {}",
          timeout.count(), subscription->Pending(), s.ToString());
    }
  }
  spdlog::info("intake stopped: {} messages were waiting, handled in {:.0f} ms", pending,
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                   .count());
  subscriptions_.clear();
}

void CoreIntake::Tick() {
  if (subscriptions_.empty()) return;
  int64_t dropped = 0;
  for (const auto& subscription : subscriptions_) dropped += subscription->Dropped();
  if (dropped > dropped_seen_) {
    spdlog::error(
        "NATS dropped {} messages: roseyd is a slow consumer (pending limits "
        "nats.pending_msgs_limit/pending_bytes_limit reached)",
        dropped - dropped_seen_);
    metrics_->NatsDropped(static_cast<double>(dropped - dropped_seen_));
    dropped_seen_ = dropped;
  }
}

}  // namespace roseyd::service
