#include "store/clock.h"

#include <thread>

namespace roseyd::store {
namespace {

class SystemClock : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }

  int64_t UnixNow() override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  bool WaitUntil(Mutex*, CondVar* cv, TimePoint deadline) override {
    return cv->WaitUntil(deadline);
  }

  void SleepFor(std::chrono::nanoseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
};

}  // namespace

Clock* RealClock() {
  static SystemClock clock;
  return &clock;
}

}  // namespace roseyd::store
