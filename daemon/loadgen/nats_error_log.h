#pragma once

#include <cstdint>
#include <string>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "bus/connection.h"

namespace roseyd::loadgen {

// Collects the asynchronous errors of the load generator's connections: a
// publish or subscribe the server refused ('nats: Permissions Violation for
// Publish to "..."'), a slow consumer. A scenario puts the summary in its
// note, so a reader sees what NATS refused and not only what went missing.
// The first error since the last TakeSummary is logged at once, the rest
// only counted.
//
// Thread: thread-safe (cnats calls it on its threads).
class NatsErrorLog : public bus::ConnectionListener {
 public:
  // `owner` names whose connections these are, in the log.
  explicit NatsErrorLog(std::string owner) : owner_(std::move(owner)) {}

  void OnAsyncError(const Status& error) noexcept override EXCLUDES(mu_);

  uint64_t count() const EXCLUDES(mu_);
  // "" when there was none, else "NATS refused or dropped: <first> (N errors)".
  std::string Summary() const EXCLUDES(mu_);
  // Summary(), then starts counting afresh.
  std::string TakeSummary() EXCLUDES(mu_);

 private:
  const std::string owner_;
  mutable Mutex mu_;
  uint64_t count_ GUARDED_BY(mu_) = 0;
  std::string first_ GUARDED_BY(mu_);
};

}  // namespace roseyd::loadgen
