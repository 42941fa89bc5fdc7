#include "writer/writer_log.h"

#include <algorithm>
#include <string>

#include <spdlog/spdlog.h>

namespace roseyd::store {
namespace {

using std::chrono::milliseconds;

constexpr std::chrono::seconds kFailureLineInterval{5};

// "250 ms", "30 s", "5 min", "2 h": a period as an operator reads it.
std::string Readable(Clock::TimePoint::duration d) {
  const auto ms = std::chrono::duration_cast<milliseconds>(d).count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + " h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + " min";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000);
}

// "1 event", "3 events".
std::string EventCount(size_t n) { return std::to_string(n) + (n == 1 ? " event" : " events"); }

double SecondsSince(Clock* clock, int64_t since_ns) {
  return std::chrono::duration<double>(clock->Now().time_since_epoch() -
                                       Clock::TimePoint::duration(since_ns))
      .count();
}

}  // namespace

void WriterLog::Begin(const char* what, size_t events) {
  what_.store(what);
  events_.store(events);
  since_ns_.store(std::max<int64_t>(1, clock_->Now().time_since_epoch().count()));
}

void WriterLog::End(bool ended) {
  const int64_t since = since_ns_.exchange(0);
  if (!reported_.exchange(false) || !ended) return;
  const double stalled = SecondsSince(clock_, since);
  if (const size_t events = events_.load(); events > 0) {
    spdlog::info("store: commits flow again: a batch of {} committed after {:.1f} s",
                 EventCount(events), stalled);
  } else {
    spdlog::info("store: commits flow again: {} ended after {:.1f} s", what_.load(), stalled);
  }
}

bool WriterLog::Check(size_t queued) {
  const int64_t since = since_ns_.load();
  if (since == 0) return false;
  const double busy_for = SecondsSince(clock_, since);
  if (busy_for < std::chrono::duration<double>(kWarnAfter).count()) return false;
  const size_t waiting = events_.load() + queued;
  if (waiting == 0 || reported_.exchange(true)) return false;
  spdlog::warn("store: no commit for {:.1f} s while {} {}: the writer is still {}; the "
               "database is slow, locked by another program or not answering. Nothing is "
               "dropped; a line follows when commits flow again",
               busy_for, EventCount(waiting), waiting == 1 ? "waits" : "wait", what_.load());
  return true;
}

void WriterLog::BatchFailed(const Status& s) {
  const auto now = clock_->Now();
  if (now < next_failure_line_) {
    ++failures_not_logged_;
    return;
  }
  next_failure_line_ = now + kFailureLineInterval;
  spdlog::error("write transaction failed, will retry (nothing dropped): {}{}", s.ToString(),
                failures_not_logged_ > 0
                    ? fmt::format(" [{} more failed since the last line]", failures_not_logged_)
                    : std::string());
  failures_not_logged_ = 0;
}

void WriterLog::PeriodicFailed(const char* what, const Status& s, Clock::TimePoint::duration next) {
  spdlog::warn("store: {} failed: {}; tried again in {}", what, s.ToString(), Readable(next));
}

}  // namespace roseyd::store
