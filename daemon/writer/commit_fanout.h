#pragma once

#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "writer/event_writer.h"

namespace roseyd::store {

// Hands every writer notification to a fixed first listener (the metrics)
// and then to listeners that come and go while the writer runs: the load
// generator's commit observer, the commit acknowledgement publisher.
//
// Thread: thread-safe. Once Remove(l) returns, *l is not called again.
class CommitFanout : public CommitListener {
 public:
  explicit CommitFanout(CommitListener* first) : first_(first) {}

  void Add(CommitListener* listener) EXCLUDES(mu_);
  void Remove(CommitListener* listener) EXCLUDES(mu_);

  void OnCommitted(std::span<const Event> batch,
                   std::chrono::nanoseconds commit_duration) noexcept override EXCLUDES(mu_);
  void OnRejected(const Event& event, const Status& why) noexcept override EXCLUDES(mu_);
  void OnWriteError(const Status& why) noexcept override EXCLUDES(mu_);

 private:
  CommitListener* const first_;
  // Held while calling the others, so Remove waits out a call in progress.
  Mutex mu_;
  std::vector<CommitListener*> others_ GUARDED_BY(mu_);
};

}  // namespace roseyd::store
