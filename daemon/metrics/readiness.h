#pragma once

#include <atomic>
#include <string>

namespace roseyd::metrics {

// Whether roseyd can serve the bot now, for GET /ready beside /metrics
// (MetricsServer): ready once it has started and NATS is connected; not
// ready while it starts, while NATS is not connected (at start, or lost
// since), and once it stops, each with a one-line reason.
//
// Thread: thread-safe.
class Readiness {
 public:
  enum class Phase { kStarting, kServing, kStopping };

  void SetPhase(Phase phase) { phase_.store(phase); }
  void SetNatsConnected(bool connected) { nats_connected_.store(connected); }

  bool Ready() const { return NotReadyReason().empty(); }
  // "" when ready; otherwise why not, in one line ("NATS is not connected").
  std::string NotReadyReason() const;

 private:
  std::atomic<Phase> phase_{Phase::kStarting};
  std::atomic<bool> nats_connected_{false};
};

}  // namespace roseyd::metrics
