#pragma once

#include <chrono>
#include <cstdint>

#include "base/mutex.h"
#include "base/thread_annotations.h"

namespace roseyd::store {

// The writer's view of time: the periods it keeps (linger, retry back-off,
// retention, maintenance), the "now" it writes into rows, and its timed
// waits. Production uses RealClock(); tests inject a fake one they advance,
// so that no test sleeps for a period to pass (leveldb's Env). It is here,
// below the writer (writer/), because the PostgreSQL claim keeps time by it
// too (store/postgres/pg_claim.h).
//
// Thread: implementations are thread-safe.
class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;

  // Monotonic time, for periods and deadlines.
  virtual TimePoint Now() = 0;
  // Wall-clock time in Unix seconds, as rows record it.
  virtual int64_t UnixNow() = 0;

  // Waits on *cv until it is signalled or this clock reaches `deadline`.
  // Returns false once the deadline has passed; may also return true without
  // a signal, so callers re-check their condition in a loop.
  // REQUIRES: *cv was constructed with *mu.
  virtual bool WaitUntil(Mutex* mu, CondVar* cv, TimePoint deadline) REQUIRES(mu) = 0;

  // Blocks the calling thread for `duration` of this clock.
  virtual void SleepFor(std::chrono::nanoseconds duration) = 0;
};

// The system's steady and wall clocks. Lives for the whole process.
Clock* RealClock();

}  // namespace roseyd::store
