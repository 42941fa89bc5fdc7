#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include "base/mutex.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "store/event.h"
#include "writer/event_writer.h"

namespace roseyd::cost {

// A CommitListener that, once armed, holds the writer thread after each
// commit until the workload says the next batch is queued whole (Release).
// The writer then takes exactly that batch (it pops at most
// store.batch_max_events, oldest first), so every transaction holds the same
// events in every run, whatever the threads' timing: a lone event that the
// writer woke for would otherwise commit alone now and then, and the
// instruction count would move with the number of transactions. Everything
// is passed on to `next`.
//
// Thread: the CommitListener calls on the writer thread; the rest on the
// workload's. *next must outlive it.
class BatchGate : public store::CommitListener {
 public:
  explicit BatchGate(store::CommitListener* next) : next_(next) {}

  // From now on the writer waits after each commit for a Release.
  void Arm() EXCLUDES(mu_);
  // Blocks until the writer waits at the gate.
  void AwaitHeld() EXCLUDES(mu_);
  // One more whole batch is queued: the writer may take it.
  void Release() EXCLUDES(mu_);
  // The writer no longer waits.
  void Open() EXCLUDES(mu_);

  void OnCommitted(std::span<const store::Event> batch,
                   std::chrono::nanoseconds commit_duration) noexcept override EXCLUDES(mu_);
  void OnRejected(const store::Event& event, const Status& why) noexcept override {
    next_->OnRejected(event, why);
  }
  void OnWriteError(const Status& why) noexcept override { next_->OnWriteError(why); }

 private:
  store::CommitListener* const next_;
  Mutex mu_;
  CondVar changed_{&mu_};
  bool armed_ GUARDED_BY(mu_) = false;
  bool held_ GUARDED_BY(mu_) = false;
  uint64_t permits_ GUARDED_BY(mu_) = 0;
};

}  // namespace roseyd::cost
