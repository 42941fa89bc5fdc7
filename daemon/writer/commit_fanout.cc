#include "writer/commit_fanout.h"

#include <algorithm>

namespace roseyd::store {

void CommitFanout::Add(CommitListener* listener) {
  MutexLock lock(&mu_);
  others_.push_back(listener);
}

void CommitFanout::Remove(CommitListener* listener) {
  MutexLock lock(&mu_);
  others_.erase(std::remove(others_.begin(), others_.end(), listener), others_.end());
}

void CommitFanout::OnCommitted(std::span<const Event> batch,
                               std::chrono::nanoseconds commit_duration) noexcept {
  first_->OnCommitted(batch, commit_duration);
  MutexLock lock(&mu_);
  for (CommitListener* l : others_) l->OnCommitted(batch, commit_duration);
}

void CommitFanout::OnRejected(const Event& event, const Status& why) noexcept {
  first_->OnRejected(event, why);
  MutexLock lock(&mu_);
  for (CommitListener* l : others_) l->OnRejected(event, why);
}

void CommitFanout::OnWriteError(const Status& why) noexcept {
  first_->OnWriteError(why);
  MutexLock lock(&mu_);
  for (CommitListener* l : others_) l->OnWriteError(why);
}

}  // namespace roseyd::store
