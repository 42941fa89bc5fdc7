#include "service/stream_ledger.h"

#include <functional>
#include <optional>
#include <utility>

namespace roseyd::service {

StreamLedger::StreamLedger(size_t max_bytes) : max_bytes_(max_bytes) {}

uint64_t StreamLedger::KeyOf(std::string_view subject, std::string_view payload) {
  // 64 bits: a collision among the few hundred thousand events a ledger
  // holds at most is about one in 10^8.
  const uint64_t s = std::hash<std::string_view>{}(subject);
  const uint64_t p = std::hash<std::string_view>{}(payload);
  return (s * 0x9E3779B97F4A7C15ULL) ^ p;
}

size_t StreamLedger::BytesOf(const Seen& seen) {
  return sizeof(Seen) + seen.event.subject.size() + seen.event.payload.size();
}

void StreamLedger::Begin(uint64_t stream_last) {
  MutexLock lock(&mu_);
  begun_ = true;
  begin_after_ = stream_last;
  delivered_through_ = stream_last;
}

void StreamLedger::Witnessed(std::string_view subject, std::string_view payload, TimePoint now) {
  Seen seen{KeyOf(subject, payload), Event{std::string(subject), std::string(payload), 0, now}};
  MutexLock lock(&mu_);
  seen.event.ordinal = next_ordinal_++;
  bytes_ += BytesOf(seen);
  seen_.push_back(std::move(seen));
  while (bytes_ > max_bytes_ && !seen_.empty()) {
    bytes_ -= BytesOf(seen_.front());
    seen_.pop_front();
    ++dropped_;
  }
}

void StreamLedger::Delivered(std::string_view subject, std::string_view payload, uint64_t seq,
                             TimePoint now) {
  const uint64_t key = KeyOf(subject, payload);
  MutexLock lock(&mu_);
  if (!begun_ || seq <= begin_after_) return;  // stored before anyone watched
  if (seq > delivered_through_) delivered_through_ = seq;
  Credit& credit = credits_[key];
  ++credit.count;
  credit.last = now;
}

void StreamLedger::Checkpoint(uint64_t stream_last, TimePoint asked_at) {
  MutexLock lock(&mu_);
  checkpoints_.push_back(Stop{stream_last, asked_at});
  // A stalled intake lets them pile up; a later one judges more anyway.
  if (checkpoints_.size() > kMaxCheckpoints) checkpoints_.pop_front();
}

std::vector<StreamLedger::Event> StreamLedger::TakeUnstored() {
  std::vector<Event> unstored;
  MutexLock lock(&mu_);
  std::optional<TimePoint> judged_before;
  while (!checkpoints_.empty() && checkpoints_.front().stream_last <= delivered_through_) {
    judged_before = checkpoints_.front().asked_at - kInFlight;
    checkpoints_.pop_front();
  }
  if (!judged_before) return unstored;
  while (!seen_.empty() && seen_.front().event.seen < *judged_before) {
    Seen& seen = seen_.front();
    bytes_ -= BytesOf(seen);  // before its event may move out
    const auto credit = credits_.find(seen.key);
    if (credit != credits_.end() && credit->second.count > 0) {
      if (--credit->second.count == 0) credits_.erase(credit);
    } else {
      unstored.push_back(std::move(seen.event));
    }
    seen_.pop_front();
  }
  for (auto it = credits_.begin(); it != credits_.end();) {
    it = it->second.last < *judged_before - kStrayCredit ? credits_.erase(it) : std::next(it);
  }
  return unstored;
}

int64_t StreamLedger::TakeDropped() {
  MutexLock lock(&mu_);
  return std::exchange(dropped_, 0);
}

size_t StreamLedger::Pending() const {
  MutexLock lock(&mu_);
  return seen_.size();
}

}  // namespace roseyd::service
