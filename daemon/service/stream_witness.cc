#include "service/stream_witness.h"

#include <random>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "service/subject.h"

namespace roseyd::service {
namespace {

// How long a write-back waits for the stream's acknowledgements (later ones
// are counted at the next comparison), in slices so that a stop need not.
constexpr std::chrono::seconds kRestoreWait{10};
constexpr std::chrono::milliseconds kAckSlice{250};

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string RandomHex() {
  std::random_device random;
  const uint64_t value = (uint64_t{random()} << 32) | random();
  return fmt::format("{:016x}", value);
}

}  // namespace

StreamWitness::StreamWitness(std::string stream, std::string subject_prefix,
                             bus::Connection* connection, bus::StreamConsumer* consumer,
                             StreamLedger* ledger, ServiceMetrics* metrics,
                             std::chrono::milliseconds period)
    : stream_(std::move(stream)),
      subject_prefix_(std::move(subject_prefix)),
      connection_(connection),
      consumer_(consumer),
      ledger_(ledger),
      metrics_(metrics),
      period_(period),
      msg_id_prefix_("roseyd-restore-" + RandomHex() + "-") {}

StreamWitness::~StreamWitness() { Stop(); }

void StreamWitness::Start() {
  publisher_ = std::make_unique<bus::StreamPublisher>(connection_);
  // Where the stream ends before the subscription: what it holds up to there
  // the witness cannot have seen.
  bus::StreamState state;
  ledger_->Begin(consumer_->GetStreamState(&state).ok() ? state.last_seq : 0);
  // Every event subject the stream captures; requests (also under the
  // prefix) are not the stream's.
  subscription_ = connection_->Subscribe(
      subject_prefix_ + ".>", "", [this](const bus::Message& message) {
        const auto subject = ParseSubject(subject_prefix_, message.subject);
        if (!subject || IsRequest(*subject)) return;
        ledger_->Witnessed(message.subject, message.data, std::chrono::steady_clock::now());
      });
  thread_ = std::thread([this] { Run(); });
}

void StreamWitness::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
  subscription_.reset();
}

void StreamWitness::Run() {
  for (;;) {
    {
      MutexLock lock(&mu_);
      const auto until = std::chrono::steady_clock::now() + period_;
      while (!stopping_ && cv_.WaitUntil(until)) {
      }
      if (stopping_) return;
    }
    Checkpoint();
    Restore();
    CountAcked();
  }
}

bool StreamWitness::Stopping() {
  MutexLock lock(&mu_);
  return stopping_;
}

void StreamWitness::CountAcked() {
  const int64_t acked = publisher_->Acked();
  if (acked == acked_counted_) return;
  metrics_->EventsRestored(static_cast<double>(acked - acked_counted_));
  acked_counted_ = acked;
}

void StreamWitness::Checkpoint() {
  // The time is taken before asking: an event seen by then was stored, if
  // at all, before the stream answers (StreamLedger allows for stragglers).
  const auto asked_at = std::chrono::steady_clock::now();
  bus::StreamState state;
  const Status s = consumer_->GetStreamState(&state);
  if (s.ok()) {
    ledger_->Checkpoint(state.last_seq, asked_at);
    if (unanswered_since_) {
      spdlog::warn("durable intake: stream {} answers again after {:.1f} s", stream_,
                   Seconds(asked_at - *unanswered_since_));
      unanswered_since_.reset();
    }
  } else if (!unanswered_since_) {
    unanswered_since_ = asked_at;
    spdlog::warn("durable intake: stream {} does not answer ({}): without a stream leader, as "
                 "while JetStream elects one after its node was lost, it stores nothing the "
                 "bot publishes; the witness keeps what NATS carries meanwhile",
                 stream_, s.ToString());
  }
}

void StreamWitness::Restore() {
  if (const int64_t dropped = ledger_->TakeDropped(); dropped > 0) {
    spdlog::warn("durable intake: the witness let go of {} events unchecked (its memory bound; "
                 "the intake was not reading the stream): if the stream lacks any of them, "
                 "they stay lost",
                 dropped);
  }
  std::vector<StreamLedger::Event> unstored = ledger_->TakeUnstored();
  const auto now = std::chrono::steady_clock::now();
  if (!unstored.empty()) {
    metrics_->EventsUnstored(static_cast<double>(unstored.size()));
    spdlog::error("durable intake: {} events NATS carried on stream {}'s subjects were never "
                  "stored by the stream (seen over {:.1f} s, from {:.1f} s ago); writing them "
                  "back into it",
                  unstored.size(), stream_, Seconds(unstored.back().seen - unstored.front().seen),
                  Seconds(now - unstored.front().seen));
  }
  for (StreamLedger::Event& event : unstored) {
    unsent_.push_back(bus::StreamMessage{std::move(event.subject), std::move(event.payload),
                                         msg_id_prefix_ + std::to_string(event.ordinal)});
  }
  if (unsent_.empty()) return;
  const int64_t acked_before = publisher_->Acked();
  const size_t sent = publisher_->Publish(unsent_);
  // One sent but not acknowledged is witnessed as it goes out, and judged
  // again; one not sent waits here for the next round.
  unsent_.erase(unsent_.begin(), unsent_.begin() + static_cast<std::ptrdiff_t>(sent));
  const auto give_up = now + kRestoreWait;
  while (!publisher_->WaitForAcks(kAckSlice) && std::chrono::steady_clock::now() < give_up &&
         !Stopping()) {
  }
  spdlog::warn("durable intake: wrote {} events back into stream {}, {} acknowledged in {:.1f} "
               "s{}; they come after the events published since",
               sent, stream_, publisher_->Acked() - acked_before,
               Seconds(std::chrono::steady_clock::now() - now),
               unsent_.empty() ? "" : fmt::format(" ({} wait for the stream to answer)", unsent_.size()));
}

}  // namespace roseyd::service
