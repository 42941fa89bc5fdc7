#include "service/database_service.h"

#include <charconv>
#include <ctime>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "service/payload_decoder.h"
#include "service/request_handler.h"
#include "store/reader.h"

namespace roseyd::service {

uint64_t ParseTraceId(std::string_view header) {
  uint64_t id = 0;
  const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), id);
  return ec == std::errc() && end == header.data() + header.size() ? id : 0;
}

namespace {

// Requests beyond this many waiting per worker are refused at once: the bot's
// own timeouts (1-2 s) make a longer queue pointless.
constexpr std::size_t kRequestsPerWorker = 1024;

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

DatabaseService::DatabaseService(const Config& config, bus::Connection* connection,
                                 store::EventWriter* writer, ServiceMetrics* metrics)
    : config_(config),
      connection_(connection),
      writer_(writer),
      metrics_(metrics),
      request_queue_capacity_(kRequestsPerWorker *
                              static_cast<std::size_t>(config.service.request_workers)) {}

DatabaseService::~DatabaseService() { Stop(); }

void DatabaseService::Start() {
  // Readers are opened here rather than in the workers so that a failure
  // stops start-up with a clear error.
  std::vector<std::unique_ptr<store::Reader>> readers;
  readers.reserve(static_cast<std::size_t>(config_.service.request_workers));
  for (int i = 0; i < config_.service.request_workers; ++i) {
    readers.push_back(
        std::make_unique<store::Reader>(config_.DatabasePath(), config_.store.busy_timeout));
  }
  for (auto& reader : readers) {
    workers_.emplace_back([this, reader = std::move(reader)] {
      RequestHandler handler(reader.get(), config_.service.max_request_limit);
      RunRequestWorker(&handler);
    });
  }
  subscription_ = connection_->Subscribe(config_.service.subject_prefix + ".>",
                                         config_.service.queue_group,
                                         [this](const bus::Message& m) { OnMessage(m); });
  const Status s = subscription_->SetPendingLimits(
      config_.nats.pending_msgs_limit, config_.nats.pending_bytes_limit);
  if (!s.ok()) throw StartupError("service", "cannot set pending limits: " + s.ToString());
}

void DatabaseService::OnMessage(const bus::Message& message) noexcept {
  try {
    const auto subject = ParseSubject(config_.service.subject_prefix, message.subject);
    if (!subject) {
      metrics_->Rejected("unknown", Rejection{RejectReason::kUnknownSubject,
                                              "no such subject: " + std::string(message.subject)});
      return;
    }
    if (IsRequest(*subject)) {
      HandleRequest(*subject, message);
    } else {
      HandleEvent(*subject, message);
    }
  } catch (const std::exception& e) {
    // Only allocation can throw here; never let it reach cnats's C thread.
    spdlog::error("failed to handle a message on {}: {}", message.subject, e.what());
  }
}

void DatabaseService::HandleEvent(Subject subject, const bus::Message& message) {
  metrics_->EventReceived(subject);
  if (static_cast<int64_t>(message.data.size()) > config_.service.max_payload_bytes) {
    metrics_->Rejected(subject, Rejection{RejectReason::kOversized,
                                          std::to_string(message.data.size()) + " bytes"});
    return;
  }
  const int64_t now = UnixNow();
  auto decoded = DecodeEvent(subject, message.data, now);
  if (auto* rejection = std::get_if<Rejection>(&decoded)) {
    metrics_->Rejected(subject, *rejection);
    return;
  }
  auto& event = std::get<DecodedEvent>(decoded);
  for (const auto& key : event.ignored_status_keys) {
    metrics_->Rejected(subject, Rejection{RejectReason::kUnknownStatusKey,
                                          "status_data key '" + key + "' is not whitelisted"});
  }
  store::Event queued{std::move(event.write), now, std::chrono::steady_clock::now(), 0,
                      ParseTraceId(message.trace)};
  const Status s = writer_->Submit(std::move(queued));
  if (!s.ok()) {
    metrics_->Rejected(subject, Rejection{RejectReason::kShuttingDown, s.ToString()});
  }
}

void DatabaseService::HandleRequest(Subject subject, const bus::Message& message) {
  if (message.reply.empty()) {
    metrics_->Rejected(subject, Rejection{RejectReason::kNoReplySubject,
                                          "request without a reply subject"});
    return;
  }
  if (static_cast<int64_t>(message.data.size()) > config_.service.max_payload_bytes) {
    const Rejection rejection{RejectReason::kOversized,
                              std::to_string(message.data.size()) + " bytes"};
    metrics_->Rejected(subject, rejection);
    Reply(std::string(message.reply), subject,
          RequestHandler::ErrorReply(subject, "Request too large"));
    return;
  }
  PendingRequest request{subject,
                         std::string(message.reply),
                         std::string(message.data),
                         writer_->LastSubmitted(),
                         UnixNow(),
                         std::chrono::steady_clock::now()};
  {
    MutexLock lock(&mu_);
    if (!stopping_ && requests_.size() < request_queue_capacity_) {
      requests_.push_back(std::move(request));
      request_cv_.Signal();
      return;
    }
  }
  metrics_->Rejected(subject, Rejection{RejectReason::kOverloaded, "request queue is full"});
  Reply(request.reply_to, subject, RequestHandler::ErrorReply(subject, "Service overloaded"));
}

void DatabaseService::RunRequestWorker(RequestHandler* handler) {
  for (;;) {
    PendingRequest request;
    {
      MutexLock lock(&mu_);
      while (requests_.empty() && !stopping_) request_cv_.Wait();
      if (requests_.empty()) return;  // stopping, and nothing left to answer
      request = std::move(requests_.front());
      requests_.pop_front();
    }
    // Read-your-writes: wait for the commit of every event received before
    // this request. If the writer is stuck (disk full), answer from what is
    // committed rather than let the bot's own timeout expire.
    const Status waited = writer_->WaitCommitted(
        request.barrier, request.received + config_.service.request_timeout);
    if (!waited.ok()) {
      spdlog::debug("answering {} before its earlier events committed: {}",
                    SubjectSuffix(request.subject), waited.ToString());
    }
    RequestOutcome outcome = handler->Handle(request.subject, request.payload, request.unix_time);
    if (outcome.rejection) metrics_->Rejected(request.subject, *outcome.rejection);
    if (!outcome.store_status.ok()) {
      metrics_->RequestFailed(request.subject);
      spdlog::error("query for {} failed: {}", SubjectSuffix(request.subject),
                    outcome.store_status.ToString());
    }
    Reply(request.reply_to, request.subject, outcome.reply);
    metrics_->RequestServed(request.subject, std::chrono::steady_clock::now() - request.received);
  }
}

void DatabaseService::Reply(const std::string& reply_to, Subject subject,
                            const std::string& payload) {
  const Status s = connection_->Publish(reply_to, payload);
  if (!s.ok()) {
    spdlog::warn("could not send the reply to a {} request: {}", SubjectSuffix(subject),
                 s.ToString());
  }
}

void DatabaseService::StopIntake(std::chrono::milliseconds timeout) {
  if (!subscription_) return;
  const auto started = std::chrono::steady_clock::now();
  const int pending = subscription_->Pending();
  const Status s = subscription_->Drain(timeout);
  if (!s.ok()) {
    spdlog::error("draining the subscription did not finish within service.drain_timeout "
                  "({} ms); up to {} received messages are lost: {}",
                  timeout.count(), subscription_->Pending(), s.ToString());
  } else {
    spdlog::info("intake stopped: {} messages were waiting, all handled in {:.0f} ms", pending,
                 std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                           started).count());
  }
  subscription_.reset();
}

void DatabaseService::Stop() {
  subscription_.reset();
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    request_cv_.SignalAll();
  }
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void DatabaseService::Tick() {
  metrics_->SetWriteQueueDepth(static_cast<double>(writer_->QueueDepth()));
  {
    MutexLock lock(&mu_);
    metrics_->SetRequestQueueDepth(static_cast<double>(requests_.size()));
  }
  if (subscription_) {
    const int64_t dropped = subscription_->Dropped();
    if (dropped > dropped_seen_) {
      spdlog::error("NATS dropped {} messages: roseyd is a slow consumer (pending limits "
                    "nats.pending_msgs_limit/pending_bytes_limit reached)",
                    dropped - dropped_seen_);
      metrics_->NatsDropped(static_cast<double>(dropped - dropped_seen_));
      dropped_seen_ = dropped;
    }
  }
}

}  // namespace roseyd::service
