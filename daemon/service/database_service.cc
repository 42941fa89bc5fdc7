#include "service/database_service.h"

#include <charconv>
#include <ctime>
#include <thread>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "service/payload_decoder.h"
#include "service/request_handler.h"
#include "store/reader.h"
#include "store/sqlite/sqlite_reader.h"

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

// Durable intake: how often acks catch up with commits while some are
// owed, and the pause before trying again to recreate a consumer.
constexpr std::chrono::milliseconds kAckPoll{2};
constexpr std::chrono::milliseconds kResetRetry{250};
// Unacknowledged messages before the server pauses delivery: enough to keep
// the writer's queue fed while commits catch up.
constexpr int64_t kMaxAckPending = 65536;

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
        std::make_unique<store::SqliteReader>(config_.DatabasePath(), config_.store.busy_timeout));
  }
  for (auto& reader : readers) {
    workers_.emplace_back([this, reader = std::move(reader)] {
      RequestHandler handler(reader.get(), config_.service.max_request_limit);
      RunRequestWorker(&handler);
    });
  }
  if (!config_.service.Durable()) {
    Subscribe(config_.service.subject_prefix + ".>");
    return;
  }
  StartStreamIntake();  // first: a request may use the consumer
  for (const Subject subject : AllSubjects()) {
    if (IsRequest(subject)) {
      Subscribe(config_.service.subject_prefix + "." + std::string(SubjectSuffix(subject)));
    }
  }
}

void DatabaseService::Subscribe(const std::string& subject) {
  auto subscription = connection_->Subscribe(subject, config_.service.queue_group,
                                             [this](const bus::Message& m) { OnMessage(m); });
  const Status s = subscription->SetPendingLimits(config_.nats.pending_msgs_limit,
                                                  config_.nats.pending_bytes_limit);
  if (!s.ok()) throw StartupError("service", "cannot set pending limits: " + s.ToString());
  subscriptions_.push_back(std::move(subscription));
}

void DatabaseService::StartStreamIntake() {
  const JetStreamConfig& js = config_.service.jetstream;
  bus::StreamOptions stream{js.stream, {}, js.max_age, js.max_bytes};
  for (const Subject subject : AllSubjects()) {
    if (!IsRequest(subject)) {
      stream.subjects.push_back(config_.service.subject_prefix + "." +
                                std::string(SubjectSuffix(subject)));
    }
  }
  consumer_ = std::make_unique<bus::JetStreamConsumer>(
      connection_, std::move(stream), bus::ConsumerOptions{js.consumer, js.ack_wait, kMaxAckPending});
  // The database, not the server, knows what was applied: resume after it.
  const uint64_t applied = writer_->LastStreamSeq();
  bus::StreamState state;
  if (const Status s = consumer_->GetStreamState(&state); !s.ok()) {
    throw StartupError("jetstream", s.ToString());
  }
  uint64_t next = applied + 1;
  if (state.last_seq < applied) {
    spdlog::error("stream {} ends at sequence {} but the database has applied up to {}: the "
                  "stream was recreated; reading it from its start",
                  js.stream, state.last_seq, applied);
    next = 1;
  }
  {
    MutexLock lock(&intake_mu_);
    next_seq_ = next;
  }
  if (!ResetConsumer()) throw StartupError("jetstream", "cannot create the consumer");
  spdlog::info("durable intake: stream {} ({} events kept, sequences {}..{}), resuming at {}",
               js.stream, state.messages, state.first_seq, state.last_seq, next);
  metrics_->SetStreamAppliedSeq(static_cast<double>(applied));
  acker_ = std::thread([this] { RunAcker(); });
}

bool DatabaseService::ResetConsumer() {
  uint64_t next = 0;
  uint64_t generation = 0;
  {
    // Set up before the new delivery starts: its first message may arrive
    // before Reset returns. The old delivery's stragglers carry the old
    // generation and are ignored.
    MutexLock lock(&intake_mu_);
    next = next_seq_;
    generation = ++delivery_generation_;
    acks_.clear();  // the new consumer knows nothing of the old one's deliveries
    just_reset_ = true;
    reset_wanted_ = false;
  }
  metrics_->StreamConsumerReset();
  const Status s = consumer_->Reset(
      next, [this, generation](const bus::Message& m) { OnStreamMessage(m, generation); });
  if (!s.ok()) {
    MutexLock lock(&intake_mu_);
    reset_wanted_ = true;
    spdlog::error("durable intake: cannot read stream {} from sequence {}: {}",
                  config_.service.jetstream.stream, next, s.ToString());
  }
  return s.ok();
}

// Applies the stream strictly in order, on the delivery thread. A sequence
// below next_seq_ was taken already (a redelivery) and is skipped; one above
// it means a delivery went missing, so the consumer is recreated at
// next_seq_. If the first message after that is still above it, the events
// between are no longer in the stream (its limits dropped them): missed.
void DatabaseService::OnStreamMessage(const bus::Message& message,
                                      uint64_t generation) noexcept {
  try {
    const uint64_t seq = bus::StreamSequenceOf(message.reply);
    {
      MutexLock lock(&intake_mu_);
      if (generation != delivery_generation_ || reset_wanted_ || intake_stopping_ || seq == 0) {
        return;
      }
      if (seq < next_seq_) {
        metrics_->StreamRedelivered();
        return;
      }
      if (seq > next_seq_ && !just_reset_) {
        spdlog::warn("durable intake: got stream sequence {} while expecting {}; reading "
                     "again from {}",
                     seq, next_seq_, next_seq_);
        reset_wanted_ = true;
        intake_cv_.Signal();
        return;
      }
      if (seq > next_seq_) {
        spdlog::error("durable intake: events {}..{} left stream {} (max_age or max_bytes) "
                      "before roseyd read them: lost",
                      next_seq_, seq - 1, config_.service.jetstream.stream);
        metrics_->StreamMissed(static_cast<double>(seq - next_seq_));
      }
      just_reset_ = false;
      next_seq_ = seq + 1;
    }
    const auto subject = ParseSubject(config_.service.subject_prefix, message.subject);
    if (subject && !IsRequest(*subject)) {
      HandleEvent(*subject, message, seq);
    } else {
      metrics_->Rejected("unknown", Rejection{RejectReason::kUnknownSubject,
                                              "not an event subject: " +
                                                  std::string(message.subject)});
    }
    MutexLock lock(&intake_mu_);
    if (acks_.empty()) intake_cv_.Signal();
    acks_.push_back(PendingAck{writer_->LastSubmitted(), std::string(message.reply)});
    handed_seq_ = seq;
    if (barrier_waiters_ > 0) handed_cv_.SignalAll();
  } catch (const std::exception& e) {
    spdlog::error("failed to handle a stream message on {}: {}", message.subject, e.what());
  }
}

// Acks trail the commits by at most kAckPoll; with nothing to acknowledge
// the thread sleeps until a delivery or a reset request wakes it.
void DatabaseService::RunAcker() {
  for (;;) {
    std::string through;
    bool reset = false;
    {
      MutexLock lock(&intake_mu_);
      if (acks_.empty() && !reset_wanted_ && !intake_stopping_) intake_cv_.Wait();
      if (intake_stopping_) return;
      reset = reset_wanted_;
      const uint64_t committed = writer_->LastCommitted();
      while (!reset && !acks_.empty() && acks_.front().barrier <= committed) {
        through = std::move(acks_.front().subject);
        acks_.pop_front();
      }
    }
    if (reset) {
      if (!ResetConsumer()) std::this_thread::sleep_for(kResetRetry);
      continue;
    }
    if (!through.empty()) {
      const Status s = consumer_->AckThrough(through);
      if (!s.ok()) spdlog::debug("durable intake: ack not sent (a later one covers it): {}", s.ToString());
      metrics_->SetStreamAppliedSeq(static_cast<double>(writer_->LastStreamSeq()));
    }
    std::this_thread::sleep_for(kAckPoll);
  }
}

uint64_t DatabaseService::StreamBarrier(std::chrono::steady_clock::time_point deadline) {
  bus::StreamState state;
  if (!consumer_->GetStreamState(&state).ok()) return 0;
  MutexLock lock(&intake_mu_);
  ++barrier_waiters_;
  // handed_seq_ lags only while events are on their way; a sequence the
  // stream dropped or a redelivery never holds it back past the deadline.
  while (handed_seq_ < state.last_seq && !intake_stopping_ && handed_cv_.WaitUntil(deadline)) {
  }
  --barrier_waiters_;
  return writer_->LastSubmitted();
}

void DatabaseService::StopStreamIntake(std::chrono::milliseconds timeout) {
  if (!consumer_) return;
  {
    MutexLock lock(&intake_mu_);
    intake_stopping_ = true;
    intake_cv_.SignalAll();
  }
  if (acker_.joinable()) acker_.join();
  // What was not delivered stays in the stream for the next start.
  const Status s = consumer_->Drain(timeout);
  if (!s.ok()) spdlog::warn("durable intake: drain: {}", s.ToString());
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

void DatabaseService::HandleEvent(Subject subject, const bus::Message& message,
                                  uint64_t stream_seq) {
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
                      ParseTraceId(message.trace), stream_seq};
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
    const auto deadline = request.received + config_.service.request_timeout;
    if (consumer_) request.barrier = std::max(request.barrier, StreamBarrier(deadline));
    const Status waited = writer_->WaitCommitted(request.barrier, deadline);
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
  StopStreamIntake(timeout);
  if (subscriptions_.empty()) return;
  const auto started = std::chrono::steady_clock::now();
  int pending = 0;
  for (const auto& subscription : subscriptions_) pending += subscription->Pending();
  for (const auto& subscription : subscriptions_) {
    const Status s = subscription->Drain(timeout);
    if (!s.ok()) {
      spdlog::error("draining the subscription did not finish within service.drain_timeout "
                    "({} ms); up to {} received messages are lost: {}",
                    timeout.count(), subscription->Pending(), s.ToString());
    }
  }
  spdlog::info("intake stopped: {} messages were waiting, handled in {:.0f} ms", pending,
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                         started).count());
  subscriptions_.clear();
}


void DatabaseService::Stop() {
  StopStreamIntake(config_.service.drain_timeout);
  subscriptions_.clear();
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
  if (!subscriptions_.empty()) {
    int64_t dropped = 0;
    for (const auto& subscription : subscriptions_) dropped += subscription->Dropped();
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
