#include "metrics/readiness.h"

namespace roseyd::metrics {

std::string Readiness::NotReadyReason() const {
  switch (phase_.load()) {
    case Phase::kStarting:
      return "starting";
    case Phase::kStopping:
      return "shutting down";
    case Phase::kServing:
      break;
  }
  if (!nats_connected_.load()) {
    return "NATS is not connected (roseyd keeps trying)";
  }
  return "";
}

}  // namespace roseyd::metrics
