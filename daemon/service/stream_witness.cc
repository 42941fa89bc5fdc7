#include "service/stream_witness.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <spdlog/spdlog.h>

#include "service/subject.h"

namespace roseyd::service {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

std::optional<UnstoredTally::Loss> UnstoredTally::Observe(int64_t witnessed,
                                                          std::optional<uint64_t> stored,
                                                          TimePoint now) {
  if (!stored) {
    if (!unanswered_since_) unanswered_since_ = now;
    if (!since_) since_ = now;
    return std::nullopt;
  }
  if (unanswered_since_) {
    unanswered_s_ += Seconds(now - *unanswered_since_);
    unanswered_since_.reset();
  }
  const int64_t gap = witnessed - static_cast<int64_t>(*stored);
  int64_t slack = kSlack;
  bool quiet = false;
  if (!recent_.empty()) {
    const Sample& last = recent_.back();
    quiet = last.witnessed == witnessed && last.gap == gap;
    const double elapsed = Seconds(now - last.at);
    if (elapsed > 0) {
      slack = std::max(slack, static_cast<int64_t>(static_cast<double>(witnessed - last.witnessed) /
                                                   elapsed * 0.05));
    }
  }
  recent_.push_back(Sample{witnessed, gap, now});
  if (recent_.size() > kSettle) recent_.pop_front();

  if (quiet) {
    // Against the last quiet gap (exact), or before the first one the
    // lowest seen (which in-flight events may have lowered a little).
    std::optional<Loss> loss;
    const int64_t excess = gap - quiet_gap_.value_or(busy_low_.value_or(gap)) - counted_since_quiet_;
    if (excess > (quiet_gap_ ? 0 : kSlack)) loss = Counted(excess, now);
    quiet_gap_ = gap;
    busy_low_ = gap;
    counted_since_quiet_ = 0;
    if (!loss) {
      since_.reset();
      unanswered_s_ = 0;
    }
    return loss;
  }
  if (!busy_low_ || gap < *busy_low_) busy_low_ = gap;
  if (!since_ && gap - *busy_low_ - counted_since_quiet_ > slack) since_ = now;
  int64_t floor = std::numeric_limits<int64_t>::max();
  for (const Sample& s : recent_) floor = std::min(floor, s.gap);
  const int64_t rise = floor - *busy_low_ - counted_since_quiet_;
  if (rise <= slack) return std::nullopt;
  counted_since_quiet_ += rise;
  return Counted(rise, now);
}

std::optional<UnstoredTally::Loss> UnstoredTally::Counted(int64_t events, TimePoint now) {
  Loss loss{events, since_.value_or(now), unanswered_s_};
  since_.reset();
  unanswered_s_ = 0;
  return loss;
}

StreamWitness::StreamWitness(std::string stream, std::string subject_prefix,
                             bus::Connection* connection, bus::StreamConsumer* consumer,
                             ServiceMetrics* metrics, std::chrono::milliseconds period)
    : stream_(std::move(stream)),
      subject_prefix_(std::move(subject_prefix)),
      connection_(connection),
      consumer_(consumer),
      metrics_(metrics),
      period_(period) {}

StreamWitness::~StreamWitness() { Stop(); }

void StreamWitness::Start() {
  // Every event subject the stream captures; requests (also under the
  // prefix) are not the stream's.
  subscription_ = connection_->Subscribe(
      subject_prefix_ + ".>", "", [this](const bus::Message& message) {
        const auto subject = ParseSubject(subject_prefix_, message.subject);
        if (subject && !IsRequest(*subject)) witnessed_.fetch_add(1, std::memory_order_relaxed);
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
    // Counted before asking: an event seen by then was stored, if at all,
    // before the stream answers.
    const int64_t witnessed = witnessed_.load(std::memory_order_relaxed);
    bus::StreamState state;
    std::optional<uint64_t> stored;
    if (consumer_->GetStreamState(&state).ok()) stored = state.last_seq;
    const auto now = std::chrono::steady_clock::now();
    spdlog::debug("durable intake: the bus carried {} events, the stream ends at {}", witnessed,
                  stored ? std::to_string(*stored) : "(no answer)");
    const auto loss = tally_.Observe(witnessed, stored, now);
    if (!loss) continue;
    metrics_->EventsUnstored(static_cast<double>(loss->events));
    spdlog::error(
        "durable intake: about {} events on stream {}'s subjects were carried by NATS but never "
        "stored by the stream (over the last {:.1f} s; the stream could not be asked for {:.1f} "
        "s of it: no stream leader, as while JetStream elects one after its node was lost). "
        "They are not in the database: with core NATS publishes nothing kept them",
        loss->events, stream_, Seconds(now - loss->since), loss->unanswered_s);
  }
}

}  // namespace roseyd::service
