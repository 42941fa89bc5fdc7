#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/mutex.h"
#include "bus/connection.h"
#include "bus/stream_consumer.h"
#include "bus/subscription.h"
#include "service/service_metrics.h"

namespace roseyd::service {

// The arithmetic of StreamWitness, without NATS: from comparisons of what
// the bus carried on the stream's subjects (`witnessed`, counted before the
// stream was asked) with where the stream ends (`stored`, its last
// sequence), the events the bus carried that the stream never stored.
//
// gap = witnessed - stored is constant while every event is both seen and
// stored. Events lost raise it for good; events in flight (seen by the
// witness before the stream leader stored them) raise it for a moment;
// events the stream stores but the witness never saw (published before it
// started, or sent where it cannot see) lower it. So:
//  - quiet (nothing moved since the last comparison, so nothing is in
//    flight): the gap is exact, and its rise since the last quiet
//    comparison, less what was counted meanwhile, is lost (before the first
//    quiet comparison: its rise above the lowest gap, beyond kSlack);
//  - busy: the lowest gap of the last kSettle comparisons, above the lowest
//    gap since the last quiet one by more than the slack (kSlack, or 50 ms
//    of the current rate), counts at once (a stream leader's election loses
//    thousands); the next quiet comparison settles the exact figure (a
//    count never goes down, so an overestimate stays).
//
// Thread: one thread.
class UnstoredTally {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  static constexpr size_t kSettle = 3;
  static constexpr int64_t kSlack = 100;

  struct Loss {
    int64_t events = 0;
    TimePoint since;          // when the rise (or the stream's silence) began
    double unanswered_s = 0;  // of that, how long the stream could not be asked
  };

  // One comparison at `now`; `stored` nullopt: the stream could not be asked.
  std::optional<Loss> Observe(int64_t witnessed, std::optional<uint64_t> stored, TimePoint now);

 private:
  struct Sample {
    int64_t witnessed;
    int64_t gap;
    TimePoint at;
  };
  std::optional<Loss> Counted(int64_t events, TimePoint now);

  std::deque<Sample> recent_;
  std::optional<int64_t> quiet_gap_;  // the exact gap at the last quiet comparison
  std::optional<int64_t> busy_low_;   // the lowest gap since then
  int64_t counted_since_quiet_ = 0;
  std::optional<TimePoint> since_;             // start of the current rise or silence
  std::optional<TimePoint> unanswered_since_;  // the stream could not be asked since
  double unanswered_s_ = 0;                    // silence within the current rise
};

// Durable intake's witness: a plain subscription on the stream's subjects
// that counts what the bus carried, compared once a period with where the
// stream ends (UnstoredTally). While a stream has no leader (its node was
// lost and JetStream elects another, seconds), the bot's core publishes
// reach no one who stores them: they are lost, and only a witness on the
// bus can tell. Each loss is counted (roseyd_events_unstored_total) and
// logged once with its window; what was lost cannot be written, since
// nothing kept it (docs/FAULTS.md, 5k). DatabaseService runs one for a
// replicated stream only (service.jetstream.replicas above 1): on a single
// server the stream and roseyd's connection are lost together.
//
// Thread: Start/Stop from the owner; the subscription's callback counts on
// the connection's thread and the comparisons run on a thread of their own.
// *connection, *consumer and *metrics must outlive it.
class StreamWitness {
 public:
  StreamWitness(std::string stream, std::string subject_prefix, bus::Connection* connection,
                bus::StreamConsumer* consumer, ServiceMetrics* metrics,
                std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  ~StreamWitness();  // Stop()

  StreamWitness(const StreamWitness&) = delete;
  StreamWitness& operator=(const StreamWitness&) = delete;

  // Subscribes and starts comparing. Throws StartupError.
  void Start();
  void Stop();

 private:
  void Run();

  const std::string stream_;
  const std::string subject_prefix_;
  bus::Connection* const connection_;
  bus::StreamConsumer* const consumer_;
  ServiceMetrics* const metrics_;
  const std::chrono::milliseconds period_;

  std::atomic<int64_t> witnessed_{0};
  std::unique_ptr<bus::Subscription> subscription_;
  UnstoredTally tally_;  // the comparison thread's

  Mutex mu_;
  CondVar cv_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace roseyd::service
