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

std::vector<std::string> RequestService::Subjects(bool reads_only) const {
  std::vector<std::string> subjects;
  for (const auto& entry : registry_.entries()) {
    if (!reads_only || !entry.route.write) subjects.push_back(entry.subject);
  }
  return subjects;
}

void RequestService::Start(Intake* intake, store::Store* store) {
  intake_ = intake;
  // Readers are opened here rather than in the workers so that a failure
  // stops start-up with a clear error.
  readers_.reserve(static_cast<std::size_t>(config_.service.request_workers));
  for (int i = 0; i < config_.service.request_workers; ++i) {
    readers_.push_back(store->OpenReader());
  }
  {
    MutexLock lock(&mu_);
    running_workers_ = static_cast<int>(readers_.size());
  }
  for (auto& reader : readers_) {
    workers_.emplace_back([this, reader = reader.get()] { RunWorker(reader); });
  }
}

bool RequestService::Accept(const bus::Message& message, uint64_t arrival_seq) {
  const auto match = registry_.Find(message.subject);
  if (!match) return false;
  const RequestRegistry::Entry& entry = registry_.entries()[match->route];
  // The original executed a write published without a reply subject; a
  // read without one has nobody to answer.
  if (message.reply.empty() && !entry.route.write) {
    metrics_->RequestRejected(entry.route.label, Rejection{RejectReason::kNoReplySubject,
                                                           "request without a reply subject"});
    return true;
  }
  const int64_t limit = entry.route.max_payload_bytes > 0 ? entry.route.max_payload_bytes
                                                          : config_.service.max_payload_bytes;
  if (static_cast<int64_t>(message.data.size()) > limit) {
    metrics_->RequestRejected(
        entry.route.label,
        Rejection{RejectReason::kOversized, std::to_string(message.data.size()) + " bytes"});
    Reply(std::string(message.reply), entry.route.label,
          entry.family->ErrorReply(entry.route.kind, Refusal::kTooLarge));
    return true;
  }
  Pending request{match->route,
                  std::string(match->wildcard),
                  std::string(message.reply),
                  std::string(message.data),
                  arrival_seq,
                  static_cast<int64_t>(std::time(nullptr)),
                  std::chrono::steady_clock::now()};
  bool stopping = false;
  bool room = false;
  {
    MutexLock lock(&mu_);
    // A write is not refused for a full queue: like an event, it is held
    // back by the sink's bounded queue (Submit blocks), and its request
    // waits for its commit. A read is refused, at once.
    stopping = stopping_;
    room = !stopping && (entry.route.write || queued_reads_ < capacity_);
    if (room && !entry.route.write) {
      // Whatever the barrier asks is asked while the read waits its turn.
      intake_->ReadArrived(request.received);
      ++queued_reads_;
      queue_.push_back(std::move(request));
      queued_cv_.Signal();
      return true;
    }
  }
  if (!room) {
    const Rejection rejection = stopping
                                    ? Rejection{RejectReason::kShuttingDown, "roseyd is stopping"}
                                    : Rejection{RejectReason::kOverloaded, "request queue is full"};
    metrics_->RequestRejected(entry.route.label, rejection);
    Reply(request.reply_to, entry.route.label,
          entry.family->ErrorReply(entry.route.kind,
                                   stopping ? Refusal::kStopping : Refusal::kOverloaded));
    return true;
  }
  // Submitted first, which may block; queued after (intake stops before this
  // service does, so no write is queued once the workers are gone).
  Admit(entry, &request);
  // Decoded: Handle reads the write (or sends the answer), not the text.
  if (request.write || request.answer) request.payload = std::string();
  MutexLock lock(&mu_);
  queue_.push_back(std::move(request));
  queued_cv_.Signal();
  return true;
}

void RequestService::Admit(const RequestRegistry::Entry& entry, Pending* request) {
  const Request view{entry.route.kind, request->wildcard, request->payload, request->unix_time,
                     request->received};
  Admission admission = entry.family->Admit(view);
  if (admission.write && !sink_->TakesWrites()) {
    // Not the leader now (another took over, or this one cannot prove its
    // claim): waiting would only end in "not committed in time".
    request->answer = RequestOutcome{
        entry.family->ErrorReply(entry.route.kind, Refusal::kNotWriting),
        Rejection{RejectReason::kNotLeader, "the store's claim is not held"}, Status::OK()};
  } else if (admission.write) {
    store::Event event;
    event.write = *admission.write;  // the request keeps its share of a PluginWrite
    event.unix_time = request->unix_time;
    event.received = request->received;
    uint64_t seq = 0;
    if (Status s = sink_->Submit(std::move(event), &seq); s.ok()) {
      request->write_seq = seq;
      request->write = std::move(admission.write);
    } else {
      request->answer =
          RequestOutcome{entry.family->ErrorReply(entry.route.kind, Refusal::kWriteRefused),
                         Rejection{RejectReason::kShuttingDown, s.message()}, Status::OK()};
    }
  } else if (admission.answer) {
    request->answer = std::move(admission.answer);
  }
}

// A write's reply needs its own commit, which covers every event submitted
// before it. An answer decided on arrival needs nothing but the order of
// the replies, kept by waiting for what had arrived before it. A read needs
// what the intake says reached roseyd before it.
uint64_t RequestService::Barrier(const Pending& request,
                                 std::chrono::steady_clock::time_point deadline) {
  if (request.write_seq != 0) return request.write_seq;
  if (request.answer) return request.arrival_seq;
  return intake_->RequestBarrier(request.arrival_seq, request.received, deadline);
}

void RequestService::RunWorker(store::Reader* reader) {
  for (;;) {
    Pending request;
    std::chrono::steady_clock::time_point answer_by;
    {
      MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) queued_cv_.Wait();
      if (queue_.empty()) {  // stopping, and nothing left to answer
        --running_workers_;
        exited_cv_.SignalAll();
        return;
      }
      request = std::move(queue_.front());
      queue_.pop_front();
      answer_by = answer_by_;
      if (!registry_.entries()[request.route].route.write) --queued_reads_;
    }
    Answer(request, answer_by, reader);
  }
}

void RequestService::Answer(const Pending& request, std::chrono::steady_clock::time_point answer_by,
                            store::Reader* reader) {
  const RequestRegistry::Entry& entry = registry_.entries()[request.route];
  const std::string& label = entry.route.label;
  // Read-your-writes: wait for the commit of every event received before
  // this request. If the writer is stuck (disk full), answer a read from
  // what is committed rather than let the bot's own timeout expire.
  const auto timeout =
      entry.route.timeout.count() > 0 ? entry.route.timeout : config_.service.request_timeout;
  // A stop that must end soon answers sooner (answer_by).
  const auto deadline = std::min(request.received + timeout, answer_by);
  const Status waited = sink_->WaitCommitted(Barrier(request, deadline), deadline);
  RequestOutcome outcome;
  if (request.answer) {
    outcome = *request.answer;
  } else if (request.write_seq != 0 && !waited.ok()) {
    // Its outcome is not ours to read until it commits (plugin_write.h).
    outcome = RequestOutcome{entry.family->ErrorReply(entry.route.kind, Refusal::kNotCommitted),
                             std::nullopt, waited};
  } else {
    if (!waited.ok()) {
      spdlog::debug("answering {} before its earlier events committed: {}", label,
                    waited.ToString());
    }
    const Request view{
        entry.route.kind,
        request.wildcard,
        request.payload,
        request.unix_time,
        request.received,
        request.write ? &*request.write : nullptr};
    outcome = entry.family->Handle(view, reader);
  }
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
  if (reply_to.empty()) return;  // a write published without a reply subject
  const Status s = connection_->Publish(reply_to, payload);
  if (!s.ok()) {
    spdlog::warn("could not send the reply to a {} request: {}", label, s.ToString());
  }
}

void RequestService::Stop(std::chrono::steady_clock::time_point answer_by) {
  bool overdue = false;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    answer_by_ = std::min(answer_by_, answer_by);
    queued_cv_.SignalAll();
    while (running_workers_ > 0) {
      if (answer_by_ == std::chrono::steady_clock::time_point::max()) {
        exited_cv_.Wait();  // no deadline: as long as the answers take
      } else if (!exited_cv_.WaitUntil(answer_by_)) {
        break;
      }
    }
    overdue = running_workers_ > 0;
  }
  if (overdue) {
    // Past the deadline a worker can only be inside a call it cannot time
    // out itself: a query to a database server that does not answer.
    spdlog::warn(
        "requests: workers still busy at the stop's deadline; cutting their database "
        "calls short");
    for (auto& reader : readers_) reader->Interrupt();
    sink_->InterruptWaits();
  }
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

void RequestService::Tick() {
  MutexLock lock(&mu_);
  metrics_->SetRequestQueueDepth(static_cast<double>(queue_.size()));
}

}  // namespace roseyd::service
