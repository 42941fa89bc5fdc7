#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>

#include "base/mutex.h"
#include "bus/connection.h"
#include "bus/stream_consumer.h"
#include "service/event_handler.h"
#include "service/intake.h"
#include "service/read_barrier.h"
#include "service/service_metrics.h"
#include "service/stream_ledger.h"
#include "store/event_sink.h"

namespace roseyd::service {

struct StreamIntakeOptions {
  std::string stream = "ROSEY_DB";        // for logs
  std::string subject_prefix = "rosey.db";
  // How long the acker sleeps on a commit before it looks again for a reset
  // or Stop (a commit wakes it at once).
  std::chrono::milliseconds commit_wait{50};
  // The pause before trying again to recreate a consumer that failed.
  std::chrono::milliseconds reset_retry{250};
  // Told of each event handed to the sink (StreamWitness's); may be null.
  StreamLedger* ledger = nullptr;
};

// Durable intake (service.durability: jetstream): the events of a stream,
// applied strictly in stream order through a StreamConsumer.
//
// The sink, not the server, knows what was applied (EventSink::StreamPosition,
// committed with the rows), so Start resets the consumer to the sequence
// after it, or to the stream's start if the stream is behind the database
// (it was recreated). On the delivery thread each message is then:
//  - below the next expected sequence: a redelivery, skipped and counted;
//  - above it: a delivery went missing, so the consumer is reset at the
//    expected sequence; if the first message after a reset is still above
//    it, the stream no longer holds the events between (max_age, max_bytes):
//    they are counted as missed and reading goes on;
//  - from an earlier delivery (before the last reset): ignored.
// An acker thread sleeps until the sink commits the oldest message owed an
// acknowledgement (woken by the commit, not polling), acknowledges every
// committed one at once (AckThrough: acknowledging one acknowledges every
// earlier one), and recreates the consumer when asked, retrying after a
// failure.
//
// Thread: as Intake; the handler runs on the consumer's delivery thread, the
// acks and resets on a thread of its own. *events, *sink and *metrics must
// outlive it.
class StreamIntake : public Intake {
 public:
  StreamIntake(StreamIntakeOptions options, std::unique_ptr<bus::StreamConsumer> consumer,
               EventHandler* events, store::EventSink* sink, ServiceMetrics* metrics);
  // Stops the acker and the read barrier; the consumer unsubscribes, without
  // draining.
  ~StreamIntake() override;

  StreamIntake(const StreamIntake&) = delete;
  StreamIntake& operator=(const StreamIntake&) = delete;

  // Intake. Start throws StartupError if the stream cannot be asked or the
  // consumer cannot be created. Stop stops the acker, then drains the
  // consumer: what was not delivered stays in the stream for the next start.
  // ReadArrived has the stream asked where it ends (a ReadBarrier: one
  // query for the reads waiting); RequestBarrier waits for its answer and
  // (until `deadline`) for intake to hand the sink every event up to there,
  // and returns the sink's LastSubmitted then, or `arrival_seq` if the
  // stream cannot be asked.
  void Start() override;
  void Stop(std::chrono::milliseconds timeout) override;
  uint64_t RequestBarrier(uint64_t arrival_seq, std::chrono::steady_clock::time_point arrived,
                          std::chrono::steady_clock::time_point deadline) override {
    return barrier_->Wait(arrived, arrival_seq, deadline);
  }
  void ReadArrived(std::chrono::steady_clock::time_point arrived) override {
    barrier_->Arrived(arrived);
  }
  void Tick() override {}
  // Where the stream is read from; thread-safe for GetStreamState.
  bus::StreamConsumer* consumer() const { return consumer_.get(); }

 private:
  struct PendingAck {
    uint64_t sink_seq;  // what must commit before the ack: its event, or the one queued before
    std::string ack_subject;
  };

  // The sink's LastSubmitted once intake has handed it the stream up to
  // `stream_end` (or at `deadline`, or on Stop).
  uint64_t WaitHanded(uint64_t stream_end, std::chrono::steady_clock::time_point deadline)
      EXCLUDES(mu_);
  // Recreates the consumer at next_seq_ with a new delivery generation.
  bool ResetConsumer() EXCLUDES(mu_);
  void OnMessage(const bus::Message& message, uint64_t generation) noexcept EXCLUDES(mu_);
  void RunAcker() EXCLUDES(mu_);
  void StopAcker() EXCLUDES(mu_);

  // Constant after construction.
  const StreamIntakeOptions options_;
  EventHandler* const events_;
  store::EventSink* const sink_;
  ServiceMetrics* const metrics_;

  Mutex mu_;
  CondVar acker_cv_{&mu_};    // work for the acker: an ack owed, a reset, stopping
  CondVar handed_cv_{&mu_};   // handed_seq_ moved (for barrier waiters)
  uint64_t next_seq_ GUARDED_BY(mu_) = 1;    // the stream sequence to apply next
  uint64_t handed_seq_ GUARDED_BY(mu_) = 0;  // the last one handed to the sink (or refused)
  uint64_t last_queued_ GUARDED_BY(mu_) = 0;  // the sink sequence of the last event queued
  int barrier_waiters_ GUARDED_BY(mu_) = 0;
  bool just_reset_ GUARDED_BY(mu_) = true;  // nothing delivered since the last reset
  bool reset_wanted_ GUARDED_BY(mu_) = false;
  uint64_t generation_ GUARDED_BY(mu_) = 0;  // one per consumer Reset
  bool stopping_ GUARDED_BY(mu_) = false;
  std::deque<PendingAck> acks_ GUARDED_BY(mu_);

  // Set in the constructor; stopped in the destructor, before consumer_ goes.
  std::unique_ptr<ReadBarrier> barrier_;
  std::thread acker_;  // owning thread only
  bool stopped_ = false;  // owning thread only
  // Reset by the owning thread in Start, then only by the acker, which the
  // owning thread joins before Drain. Declared last: destroyed first, so no
  // delivery outlives the members its handler uses.
  const std::unique_ptr<bus::StreamConsumer> consumer_;
};

}  // namespace roseyd::service
