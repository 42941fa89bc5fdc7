#pragma once

#include <chrono>
#include <optional>

namespace roseyd {

// When to say again that something still holds (NATS still not connected):
// first `first` after it began, then each time twice as long after the last
// time, at most `max` apart. So a long outage is neither silent nor a flood.
//
// Thread: confined to the caller (guard it when several threads use it).
class RepeatBackoff {
 public:
  using Clock = std::chrono::steady_clock;

  RepeatBackoff(Clock::duration first, Clock::duration max) : first_(first), max_(max) {}

  // The condition began at `now` (a second Begin while it holds changes nothing).
  void Begin(Clock::time_point now);
  // It is over.
  void End() { began_.reset(); }
  bool active() const { return began_.has_value(); }
  // How long it has held at `now`; zero when it does not.
  Clock::duration HeldFor(Clock::time_point now) const;

  // True, once, when a reminder is due at `now`; then the next is
  // scheduled twice as far on (at most `max`).
  bool Due(Clock::time_point now);

 private:
  const Clock::duration first_;
  const Clock::duration max_;
  std::optional<Clock::time_point> began_;
  Clock::time_point next_{};
  Clock::duration interval_{};
};

}  // namespace roseyd
