#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/mutex.h"
#include "store/clock.h"

namespace roseyd::store {

// A Clock that stands still until the test advances it. Threads waiting on it
// (WaitUntil, SleepFor) wake when Advance reaches their deadline, or when
// their condition variable is signalled as usual.
//
// Thread: thread-safe. The mutex and condition variable of a thread waiting
// in WaitUntil must outlive an Advance running at the same time.
class FakeClock : public Clock {
 public:
  // Steady time starts at an arbitrary non-zero point; wall time at `unix_now`.
  explicit FakeClock(int64_t unix_now) : unix_start_(unix_now) {}

  TimePoint Now() override {
    MutexLock lock(&mu_);
    return now_;
  }

  int64_t UnixNow() override {
    MutexLock lock(&mu_);
    return unix_start_ +
           std::chrono::duration_cast<std::chrono::seconds>(now_ - TimePoint(kStart)).count();
  }

  bool WaitUntil(Mutex* mu, CondVar* cv, TimePoint deadline) override REQUIRES(mu) {
    Waiter self{mu, cv, deadline};
    {
      MutexLock lock(&mu_);
      if (now_ >= deadline) return false;
      waiters_.push_back(&self);
      waiting_changed_.SignalAll();
    }
    // Advance signals *cv under *mu, so the wake-up cannot slip in between
    // the registration above and this wait.
    cv->Wait();
    MutexLock lock(&mu_);
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &self));
    waiting_changed_.SignalAll();
    return now_ < deadline;
  }

  void SleepFor(std::chrono::nanoseconds duration) override {
    MutexLock lock(&sleep_mu_);
    const TimePoint deadline = Now() + duration;
    while (WaitUntil(&sleep_mu_, &sleep_cv_, deadline)) {
    }
  }

  // Moves both clocks forward by `duration` and wakes the waiters whose
  // deadline it reaches.
  void Advance(std::chrono::nanoseconds duration) {
    std::vector<Waiter> due;
    {
      MutexLock lock(&mu_);
      now_ += std::chrono::duration_cast<TimePoint::duration>(duration);
      for (const Waiter* w : waiters_) {
        if (w->deadline <= now_) due.push_back(*w);
      }
    }
    for (const Waiter& w : due) {
      MutexLock lock(w.mu);
      w.cv->SignalAll();
    }
  }

  // How many threads wait on this clock now.
  size_t Waiters() {
    MutexLock lock(&mu_);
    return waiters_.size();
  }

  // Blocks until at least `n` threads wait on this clock, e.g. until the
  // writer lingers for a fuller batch.
  void AwaitWaiters(size_t n) {
    MutexLock lock(&mu_);
    while (waiters_.size() < n) waiting_changed_.Wait();
  }

 private:
  static constexpr std::chrono::hours kStart{1000};

  struct Waiter {
    Mutex* mu;
    CondVar* cv;
    TimePoint deadline;
  };

  const int64_t unix_start_;
  Mutex mu_;
  CondVar waiting_changed_{&mu_};
  TimePoint now_ GUARDED_BY(mu_) = TimePoint(kStart);
  std::vector<const Waiter*> waiters_ GUARDED_BY(mu_);  // each on its thread's stack

  Mutex sleep_mu_;  // SleepFor waits on its own condition variable
  CondVar sleep_cv_{&sleep_mu_};
};

}  // namespace roseyd::store
