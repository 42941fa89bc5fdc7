#include "loadgen/nats_error_log.h"

#include <spdlog/spdlog.h>

namespace roseyd::loadgen {

void NatsErrorLog::OnAsyncError(const Status& error) noexcept {
  try {
    {
      MutexLock lock(&mu_);
      if (count_++ > 0) return;
      first_ = error.message();
    }
    spdlog::warn("bench: {}: NATS: {} (further errors are counted in the report, not logged)",
                 owner_, error.message());
  } catch (...) {
  }
}

uint64_t NatsErrorLog::count() const {
  MutexLock lock(&mu_);
  return count_;
}

std::string NatsErrorLog::Summary() const {
  MutexLock lock(&mu_);
  if (count_ == 0) return "";
  return "NATS refused or dropped: " + first_ + " (" + std::to_string(count_) +
         (count_ == 1 ? " error)" : " errors)");
}

std::string NatsErrorLog::TakeSummary() {
  std::string summary = Summary();
  MutexLock lock(&mu_);
  count_ = 0;
  first_.clear();
  return summary;
}

}  // namespace roseyd::loadgen
