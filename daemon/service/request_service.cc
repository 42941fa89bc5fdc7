#include "service/request_service.h"

#include <algorithm>
#include <ctime>

#include <spdlog/spdlog.h>

#include "store/reader.h"

namespace roseyd::service {

namespace {

// Requests beyond this many waiting per worker are refused at once.
constexpr std::size_t kRequestsPerWorker = 1024;

}  // namespace

RequestService::RequestService(const Config& config, bus::Connection* connection,
                               store::EventSink* sink, ServiceMetrics* metrics)
    : config_(config),
      connection_(connection),
      sink_(sink),
      metrics_(metrics),
      capacity_(kRequestsPerWorker * static_cast<std::size_t>(config.service.request_workers)),
      registry_(config.service.subject_prefix) {}

RequestService::~RequestService() { Stop(); }

void RequestService::Register(std::unique_ptr<RequestFamily> family) {
  registry_.Add(family.get());
  families_.push_back(std::move(family));
  for (std::size_t i = route_metrics_.size(); i < registry_.entries().size(); ++i) {
    route_metrics_.push_back(metrics_->ForRequests(registry_.entries()[i].route.label));
  }
}

std::vector<std::string> RequestService::Subjects() const {
  std::vector<std::string> subjects;
  for (const auto& entry : registry_.entries()) subjects.push_back(entry.subject);
  return subjects;
}

void RequestService::Start(Intake* intake, store::Store* store) {
  intake_ = intake;
  // Readers are opened here rather than in the workers so that a failure
  // stops start-up with a clear error.
  std::vector<std::unique_ptr<store::Reader>> readers;
  readers.reserve(static_cast<std::size_t>(config_.service.request_workers));
  for (int i = 0; i < config_.service.request_workers; ++i) {
    readers.push_back(store->OpenReader());
  }
  for (auto& reader : readers) {
    workers_.emplace_back([this, reader = std::move(reader)] { RunWorker(reader.get()); });
  }
}

bool RequestService::Accept(const bus::Message& message, uint64_t arrival_seq) {
  const auto route = registry_.Find(message.subject);
  if (!route) return false;
  const RequestRegistry::Entry& entry = registry_.entries()[*route];
  if (message.reply.empty()) {
    metrics_->RequestRejected(entry.route.label, Rejection{RejectReason::kNoReplySubject,
                                                           "request without a reply subject"});
    return true;
  }
  if (static_cast<int64_t>(message.data.size()) > config_.service.max_payload_bytes) {
    metrics_->RequestRejected(entry.route.label,
                              Rejection{RejectReason::kOversized,
                                        std::to_string(message.data.size()) + " bytes"});
    Reply(std::string(message.reply), entry.route.label,
          entry.family->ErrorReply(entry.route.kind, "Request too large"));
    return true;
  }
  Pending request{*route,
                  entry.wildcard ? std::string(message.subject) : std::string(),
                  std::string(message.reply),
                  std::string(message.data),
                  arrival_seq,
                  static_cast<int64_t>(std::time(nullptr)),
                  std::chrono::steady_clock::now()};
  {
    MutexLock lock(&mu_);
    if (!stopping_ && queue_.size() < capacity_) {
      queue_.push_back(std::move(request));
      queued_cv_.Signal();
      return true;
    }
  }
  metrics_->RequestRejected(entry.route.label,
                            Rejection{RejectReason::kOverloaded, "request queue is full"});
  Reply(request.reply_to, entry.route.label,
        entry.family->ErrorReply(entry.route.kind, "Service overloaded"));
  return true;
}

void RequestService::RunWorker(store::Reader* reader) {
  for (;;) {
    Pending request;
    std::chrono::steady_clock::time_point answer_by;
    {
      MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) queued_cv_.Wait();
      if (queue_.empty()) return;  // stopping, and nothing left to answer
      request = std::move(queue_.front());
      queue_.pop_front();
      answer_by = answer_by_;
    }
    Answer(request, answer_by, reader);
  }
}

void RequestService::Answer(const Pending& request,
                            std::chrono::steady_clock::time_point answer_by,
                            store::Reader* reader) {
  const RequestRegistry::Entry& entry = registry_.entries()[request.route];
  const std::string& label = entry.route.label;
  // Read-your-writes: wait for the commit of every event received before
  // this request. If the writer is stuck (disk full), answer from what is
  // committed rather than let the bot's own timeout expire.
  const auto deadline = std::min(request.received + config_.service.request_timeout, answer_by);
  const uint64_t barrier = intake_->RequestBarrier(request.arrival_seq, deadline);
  const Status waited = sink_->WaitCommitted(barrier, deadline);
  if (!waited.ok()) {
    spdlog::debug("answering {} before its earlier events committed: {}", label,
                  waited.ToString());
  }
  const Request view{entry.route.kind,
                     entry.wildcard ? request.subject : entry.subject,
                     request.payload, request.unix_time};
  const RequestOutcome outcome = entry.family->Handle(view, reader);
  if (outcome.rejection) metrics_->RequestRejected(label, *outcome.rejection);
  if (!outcome.store_status.ok()) {
    route_metrics_[request.route].Failed();
    spdlog::error("query for {} failed: {}", label, outcome.store_status.ToString());
  }
  Reply(request.reply_to, label, outcome.reply);
  route_metrics_[request.route].Served(std::chrono::steady_clock::now() - request.received);
}

void RequestService::Reply(const std::string& reply_to, std::string_view label,
                           const std::string& payload) {
  const Status s = connection_->Publish(reply_to, payload);
  if (!s.ok()) {
    spdlog::warn("could not send the reply to a {} request: {}", label, s.ToString());
  }
}

void RequestService::Stop(std::chrono::steady_clock::time_point answer_by) {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    answer_by_ = std::min(answer_by_, answer_by);
    queued_cv_.SignalAll();
  }
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void RequestService::Tick() {
  MutexLock lock(&mu_);
  metrics_->SetRequestQueueDepth(static_cast<double>(queue_.size()));
}

}  // namespace roseyd::service
