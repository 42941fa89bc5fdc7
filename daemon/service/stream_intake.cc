#include "service/stream_intake.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "service/subject.h"

namespace roseyd::service {

StreamIntake::StreamIntake(StreamIntakeOptions options,
                           std::unique_ptr<bus::StreamConsumer> consumer, EventHandler* events,
                           store::EventSink* sink, ServiceMetrics* metrics)
    : options_(std::move(options)),
      events_(events),
      sink_(sink),
      metrics_(metrics),
      consumer_(std::move(consumer)) {
  barrier_ = std::make_unique<ReadBarrier>(
      consumer_.get(), [this](uint64_t stream_end, std::chrono::steady_clock::time_point deadline) {
        return WaitHanded(stream_end, deadline);
      });
}

StreamIntake::~StreamIntake() {
  StopAcker();
  barrier_->Stop();  // its thread asks the consumer, which goes first
}

void StreamIntake::Start() {
  const uint64_t applied = sink_->StreamPosition();
  bus::StreamState state;
  if (const Status s = consumer_->GetStreamState(&state); !s.ok()) {
    throw StartupError("jetstream", s.ToString());
  }
  uint64_t next = applied + 1;
  if (state.last_seq < applied) {
    spdlog::error("stream {} ends at sequence {} but the database has applied up to {}: the "
                  "stream was recreated; reading it from its start",
                  options_.stream, state.last_seq, applied);
    next = 1;
  }
  {
    MutexLock lock(&mu_);
    next_seq_ = next;
  }
  if (!ResetConsumer()) throw StartupError("jetstream", "cannot create the consumer");
  spdlog::info("durable intake: stream {} ({} events kept, sequences {}..{}), resuming at {}",
               options_.stream, state.messages, state.first_seq, state.last_seq, next);
  metrics_->SetStreamPosition(static_cast<double>(applied));
  acker_ = std::thread([this] { RunAcker(); });
}

bool StreamIntake::ResetConsumer() {
  uint64_t next = 0;
  uint64_t generation = 0;
  {
    // Set up before the new delivery starts: its first message may arrive
    // before Reset returns. The old delivery's stragglers carry the old
    // generation and are ignored.
    MutexLock lock(&mu_);
    next = next_seq_;
    generation = ++generation_;
    acks_.clear();  // the new consumer knows nothing of the old one's deliveries
    just_reset_ = true;
    reset_wanted_ = false;
  }
  metrics_->StreamConsumerReset();
  const Status s = consumer_->Reset(
      next, [this, generation](const bus::Message& m) { OnMessage(m, generation); });
  if (!s.ok()) {
    MutexLock lock(&mu_);
    reset_wanted_ = true;
    spdlog::error("durable intake: cannot read stream {} from sequence {}: {}", options_.stream,
                  next, s.ToString());
  }
  return s.ok();
}

void StreamIntake::OnMessage(const bus::Message& message, uint64_t generation) noexcept {
  try {
    const uint64_t seq = bus::StreamSequenceOf(message.reply);
    {
      MutexLock lock(&mu_);
      if (generation != generation_ || reset_wanted_ || stopping_ || seq == 0) return;
      if (seq < next_seq_) {
        metrics_->StreamRedelivered();
        return;
      }
      if (seq > next_seq_ && !just_reset_) {
        spdlog::warn("durable intake: got stream sequence {} while expecting {}; reading "
                     "again from {}",
                     seq, next_seq_, next_seq_);
        reset_wanted_ = true;
        acker_cv_.Signal();
        return;
      }
      if (seq > next_seq_) {
        spdlog::error("durable intake: events {}..{} left stream {} (max_age or max_bytes) "
                      "before roseyd read them: lost",
                      next_seq_, seq - 1, options_.stream);
        metrics_->StreamMissed(static_cast<double>(seq - next_seq_));
      }
      just_reset_ = false;
      next_seq_ = seq + 1;
    }
    if (options_.ledger != nullptr) {
      options_.ledger->Delivered(message.subject, message.data, seq,
                                 std::chrono::steady_clock::now());
    }
    const auto subject = ParseSubject(options_.subject_prefix, message.subject);
    uint64_t queued = 0;
    if (subject && !IsRequest(*subject)) {
      queued = events_->Handle(*subject, message, seq);
    } else {
      metrics_->Rejected("unknown", Rejection{RejectReason::kUnknownSubject,
                                              "not an event subject: " +
                                                  std::string(message.subject)});
    }
    MutexLock lock(&mu_);
    if (queued != 0) last_queued_ = queued;
    if (acks_.empty()) acker_cv_.Signal();
    // A refused message owes only what was queued before it.
    acks_.push_back(PendingAck{last_queued_, std::string(message.reply)});
    handed_seq_ = seq;
    if (barrier_waiters_ > 0) handed_cv_.SignalAll();
  } catch (const std::exception& e) {
    spdlog::error("failed to handle a stream message on {}: {}", message.subject, e.what());
  }
}

// With nothing to acknowledge the thread sleeps until a delivery, a reset
// request or Stop wakes it; with acks owed, until the oldest one's event
// commits (the sink wakes it) or commit_wait passes.
void StreamIntake::RunAcker() {
  for (;;) {
    std::string through;
    bool reset = false;
    uint64_t owed = 0;  // the sink sequence the oldest ack still waits for
    {
      MutexLock lock(&mu_);
      if (acks_.empty() && !reset_wanted_ && !stopping_) acker_cv_.Wait();
      if (stopping_) return;
      reset = reset_wanted_;
      const uint64_t committed = sink_->LastCommitted();
      while (!reset && !acks_.empty() && acks_.front().sink_seq <= committed) {
        through = std::move(acks_.front().ack_subject);
        acks_.pop_front();
      }
      if (!reset && !acks_.empty()) owed = acks_.front().sink_seq;
    }
    if (reset) {
      if (!ResetConsumer()) {
        const auto retry_at = std::chrono::steady_clock::now() + options_.reset_retry;
        MutexLock lock(&mu_);
        while (!stopping_ && acker_cv_.WaitUntil(retry_at)) {
        }
      }
      continue;
    }
    if (!through.empty()) {
      const Status s = consumer_->AckThrough(through);
      if (!s.ok()) {
        spdlog::debug("durable intake: ack not sent (a later one covers it): {}", s.ToString());
      }
      metrics_->SetStreamPosition(static_cast<double>(sink_->StreamPosition()));
    }
    if (owed == 0) continue;
    // In the batch it is in: the acks need not hurry the writer.
    const auto until = std::chrono::steady_clock::now() + options_.commit_wait;
    if (!sink_->WaitCommittedInBatch(owed, until).ok()) {
      // Timed out, or a sink that stopped answers at once: no busy loop.
      MutexLock lock(&mu_);
      while (!stopping_ && !reset_wanted_ && acker_cv_.WaitUntil(until)) {
      }
    }
  }
}

uint64_t StreamIntake::WaitHanded(uint64_t stream_end,
                                  std::chrono::steady_clock::time_point deadline) {
  MutexLock lock(&mu_);
  ++barrier_waiters_;
  // handed_seq_ lags only while events are on their way; a sequence the
  // stream dropped or a redelivery never holds it back past the deadline.
  while (handed_seq_ < stream_end && !stopping_ && handed_cv_.WaitUntil(deadline)) {
  }
  --barrier_waiters_;
  return sink_->LastSubmitted();
}

void StreamIntake::StopAcker() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    acker_cv_.SignalAll();
    handed_cv_.SignalAll();
  }
  if (acker_.joinable()) acker_.join();
}

void StreamIntake::Stop(std::chrono::milliseconds timeout) {
  if (stopped_) return;
  stopped_ = true;
  StopAcker();
  // What was not delivered stays in the stream for the next start.
  const Status s = consumer_->Drain(timeout);
  if (!s.ok()) spdlog::warn("durable intake: drain: {}", s.ToString());
}

}  // namespace roseyd::service
