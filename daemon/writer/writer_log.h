#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/status.h"
#include "store/clock.h"

namespace roseyd::store {

// What the EventWriter says about its health, worded for whoever reads the
// log at 3 a.m.: commits that stall while events wait (once, and again when
// they flow), batches that fail and are retried (at most a line per 5 s),
// periodic work that fails (when it runs again).
//
// Stalls: the writer thread marks each piece of work that commits or blocks
// commits (a batch, a prune, ...) with Begin and End; another thread calls
// Check periodically, since a writer stuck inside a database call cannot log.
//
// Thread: Begin, End and BatchFailed on the writer thread only; Check from
// any one other thread. The stall fields are read without a common lock: a
// line may pair one piece's name with the next one's count, never more.
class WriterLog {
 public:
  // A piece of work running this long while events wait is a stall.
  static constexpr std::chrono::seconds kWarnAfter{5};

  explicit WriterLog(Clock* clock) : clock_(clock) {}

  WriterLog(const WriterLog&) = delete;
  WriterLog& operator=(const WriterLog&) = delete;

  // The writer starts `what` (a string literal), holding `events` events.
  void Begin(const char* what, size_t events);
  // The writer is done with it. After a reported stall, logs that commits
  // flow again, unless the work did not end but was given up (`ended` false).
  void End(bool ended = true);

  // Logs a warning, once per stall, when the current piece of work has run
  // kWarnAfter or more while it or the queue (`queued` events) holds events.
  // Returns true if it logged now.
  bool Check(size_t queued);

  // A batch failed and will be retried: an error line, at most one per 5 s,
  // with how many failed since the last.
  void BatchFailed(const Status& s);
  // Periodic work (`what`) failed; it holds no event and runs again in `next`.
  static void PeriodicFailed(const char* what, const Status& s, Clock::TimePoint::duration next);

 private:
  Clock* const clock_;
  // When the current piece of work began (Clock ns since its epoch; 0: idle),
  // what it is, how many events it holds, and whether its stall was logged.
  std::atomic<int64_t> since_ns_{0};
  std::atomic<const char*> what_{""};
  std::atomic<size_t> events_{0};
  std::atomic<bool> reported_{false};
  // The failed-batch line's rate limit.
  Clock::TimePoint next_failure_line_{};
  int64_t failures_not_logged_ = 0;
};

}  // namespace roseyd::store
