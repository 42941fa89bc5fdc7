#include "base/repeat_backoff.h"

#include <algorithm>

namespace roseyd {

void RepeatBackoff::Begin(Clock::time_point now) {
  if (began_) return;
  began_ = now;
  interval_ = first_;
  next_ = now + first_;
}

RepeatBackoff::Clock::duration RepeatBackoff::HeldFor(Clock::time_point now) const {
  return began_ ? now - *began_ : Clock::duration::zero();
}

bool RepeatBackoff::Due(Clock::time_point now) {
  if (!began_ || now < next_) return false;
  interval_ = std::min(interval_ * 2, max_);
  next_ = now + interval_;
  return true;
}

}  // namespace roseyd
