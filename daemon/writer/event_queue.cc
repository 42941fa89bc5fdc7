#include "writer/event_queue.h"

#include <algorithm>
#include <utility>

namespace roseyd::store {

EventQueue::EventQueue(int64_t capacity, Clock* clock)
    : capacity_(static_cast<size_t>(std::max<int64_t>(capacity, 1))),
      clock_(clock),
      not_empty_(&mu_),
      not_full_(&mu_) {}

Status EventQueue::Push(Event event, uint64_t* seq) {
  MutexLock lock(&mu_);
  ++blocked_producers_;
  while (!closed_ && !unbounded_ && events_.size() >= capacity_) not_full_.Wait();
  --blocked_producers_;
  return PushLocked(std::move(event), seq);
}

size_t EventQueue::BlockedProducers() const {
  MutexLock lock(&mu_);
  return blocked_producers_;
}

Status EventQueue::PushPastCapacity(Event event, uint64_t* seq) {
  MutexLock lock(&mu_);
  return PushLocked(std::move(event), seq);
}

Status EventQueue::PushLocked(Event event, uint64_t* seq) {
  if (closed_) return Status::Unavailable("the event writer is stopping");
  event.seq = ++last_seq_;
  if (seq != nullptr) *seq = event.seq;
  events_.push_back(std::move(event));
  // Only the writer waits on not_empty_, so one wake-up is enough; waking it
  // for every event of a burst would cost a futex call each.
  if (wake_at_ != 0 && events_.size() >= wake_at_) {
    wake_at_ = 0;
    not_empty_.Signal();
  }
  return Status::OK();
}

bool EventQueue::WaitForEvent(Clock::TimePoint deadline) {
  MutexLock lock(&mu_);
  while (events_.empty() && !closed_) {
    wake_at_ = 1;
    if (!clock_->WaitUntil(&mu_, &not_empty_, deadline)) break;  // deadline passed
  }
  wake_at_ = 0;
  return !events_.empty();
}

bool EventQueue::WaitForMore(size_t want, Clock::TimePoint deadline) {
  want = std::max<size_t>(want, 1);
  MutexLock lock(&mu_);
  while (events_.size() < want && !closed_ && !UrgentLocked()) {
    wake_at_ = want;
    if (!clock_->WaitUntil(&mu_, &not_empty_, deadline)) break;  // deadline passed
  }
  wake_at_ = 0;
  return !events_.empty();
}

size_t EventQueue::PopInto(size_t max, std::vector<Event>* out) {
  MutexLock lock(&mu_);
  const size_t n = std::min(max, events_.size());
  if (n == 0) return 0;
  const bool was_full = events_.size() >= capacity_;
  for (size_t i = 0; i < n; ++i) {
    out->push_back(std::move(events_.front()));
    events_.pop_front();
  }
  if (was_full) not_full_.SignalAll();
  return n;
}

bool EventQueue::WaitForClose(Clock::TimePoint deadline) {
  MutexLock lock(&mu_);
  while (!closed_) {
    if (!clock_->WaitUntil(&mu_, &not_empty_, deadline)) break;  // deadline passed
  }
  return closed_;
}

void EventQueue::RequestUrgent(uint64_t seq) {
  MutexLock lock(&mu_);
  if (seq <= urgent_seq_) return;
  urgent_seq_ = seq;
  not_empty_.Signal();
}

bool EventQueue::IsUrgent() const {
  MutexLock lock(&mu_);
  return UrgentLocked();
}

void EventQueue::ClearUrgent(uint64_t committed) {
  MutexLock lock(&mu_);
  if (urgent_seq_ <= committed) urgent_seq_ = 0;
}

void EventQueue::Unbound() {
  MutexLock lock(&mu_);
  unbounded_ = true;
  not_full_.SignalAll();
}

void EventQueue::Close() {
  MutexLock lock(&mu_);
  closed_ = true;
  not_empty_.SignalAll();
  not_full_.SignalAll();
}

bool EventQueue::closed() const {
  MutexLock lock(&mu_);
  return closed_;
}

size_t EventQueue::Depth() const {
  MutexLock lock(&mu_);
  return events_.size();
}

uint64_t EventQueue::LastAssigned() const {
  MutexLock lock(&mu_);
  return last_seq_;
}

}  // namespace roseyd::store
