#pragma once

#include <chrono>
#include <thread>

namespace roseyd::testing {

// Polls `condition` every `poll` until it holds or `timeout` passes; whether
// it held. For waiting on another thread's progress, never on a fixed sleep.
template <typename Condition>
bool Eventually(Condition condition,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
                std::chrono::milliseconds poll = std::chrono::milliseconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
  return true;
}

}  // namespace roseyd::testing
