#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "store/clock.h"

namespace roseyd::cost {

// The clock of a workload whose instructions are counted. Steady time stands
// still, so no period of the writer (batch linger, retention, maintenance,
// key purge) ever comes due and timed waits end only when signalled; wall
// time moves only when the workload sets it, so the rows' times, and the
// work they cause (index order, same-second ties), are the same in every run.
//
// Thread: thread-safe.
class WorkloadClock : public store::Clock {
 public:
  explicit WorkloadClock(int64_t unix_now) : unix_now_(unix_now) {}

  void SetUnixNow(int64_t unix_now) { unix_now_.store(unix_now, std::memory_order_relaxed); }

  TimePoint Now() override { return TimePoint(std::chrono::hours(1)); }
  int64_t UnixNow() override { return unix_now_.load(std::memory_order_relaxed); }
  bool WaitUntil(Mutex* mu, CondVar* cv, TimePoint deadline) override REQUIRES(mu) {
    (void)mu;
    if (deadline <= Now()) return false;
    cv->Wait();
    return true;
  }
  void SleepFor(std::chrono::nanoseconds) override {}

 private:
  std::atomic<int64_t> unix_now_;
};

}  // namespace roseyd::cost
