#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "bus/connection.h"
#include "bus/jetstream.h"
#include "bus/subscription.h"
#include "config/config.h"
#include "service/service_metrics.h"
#include "service/subject.h"
#include "store/event_writer.h"

namespace roseyd::service {

class RequestHandler;

// The load generator's trace id from a bus::kTraceHeader value; 0 when the
// header is absent or not a decimal number.
uint64_t ParseTraceId(std::string_view header);

// The Rosey DatabaseService on NATS. One subscription to "<prefix>.>" (in the
// queue group) receives every subject in arrival order on one cnats thread:
// events are decoded and handed to the EventWriter; requests are stamped with
// the sequence number of the last event handed over before them and queued
// for the request workers, which wait for that event's commit before they
// query. That is how a request sees every event that reached roseyd before it,
// whatever subject it came on.
//
// With service.durability: jetstream, events come instead from a stream, read
// in stream order by one intake thread through a durable consumer that starts
// where the database says it stopped (store::EventWriter::LastStreamSeq);
// requests keep their own core NATS subscriptions. Acknowledgements follow
// the commits. A request first asks the stream where it ends and waits until
// intake has handled that far, so it sees every event stored before it, as
// on core NATS.
//
// Thread: Start/StopIntake/Stop/Tick from the owning thread; the rest runs
// on the cnats delivery thread and the request workers. *connection, *writer
// and *metrics must outlive it.
class DatabaseService {
 public:
  DatabaseService(const Config& config, bus::Connection* connection,
                  store::EventWriter* writer, ServiceMetrics* metrics);
  ~DatabaseService();  // Stop()

  DatabaseService(const DatabaseService&) = delete;
  DatabaseService& operator=(const DatabaseService&) = delete;

  // Opens the read connections, starts the request workers and subscribes.
  // Throws StartupError.
  void Start();

  // Unsubscribes and waits until every message already received has been
  // handed to the writer or the request queue.
  void StopIntake(std::chrono::milliseconds timeout);

  // Answers the queued requests, then joins the workers. Idempotent.
  void Stop();

  // Refreshes gauges (queue depths, slow-consumer drops). Call about once a second.
  void Tick();

 private:
  struct PendingRequest {
    Subject subject;
    std::string reply_to;
    std::string payload;
    uint64_t barrier;  // last event sequence handed to the writer before it
    int64_t unix_time;
    std::chrono::steady_clock::time_point received;
  };

  void OnMessage(const bus::Message& message) noexcept;
  void HandleEvent(Subject subject, const bus::Message& message, uint64_t stream_seq = 0);
  void Subscribe(const std::string& subject);
  // Durable intake (see the class comment).
  void StartStreamIntake();
  void OnStreamMessage(const bus::Message& message, uint64_t generation) noexcept;
  bool ResetConsumer() EXCLUDES(intake_mu_);
  // The intake's second thread: recreates the consumer when asked, and
  // acknowledges what has committed.
  void RunAcker() EXCLUDES(intake_mu_);
  void StopStreamIntake(std::chrono::milliseconds timeout) EXCLUDES(intake_mu_);
  // Durable read-your-writes: waits (until `deadline`) for intake to hand the
  // writer every event the stream holds now; returns the writer sequence to
  // wait for, 0 if the stream could not be asked.
  uint64_t StreamBarrier(std::chrono::steady_clock::time_point deadline) EXCLUDES(intake_mu_);
  void HandleRequest(Subject subject, const bus::Message& message);
  void RunRequestWorker(RequestHandler* handler);
  void Reply(const std::string& reply_to, Subject subject, const std::string& payload);

  // Constant after construction.
  const Config config_;
  bus::Connection* const connection_;
  store::EventWriter* const writer_;
  ServiceMetrics* const metrics_;
  const std::size_t request_queue_capacity_;

  Mutex mu_;
  CondVar request_cv_{&mu_};
  std::deque<PendingRequest> requests_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;

  std::vector<std::thread> workers_;  // owning thread only
  std::vector<std::unique_ptr<bus::Subscription>> subscriptions_;  // owning thread only
  int64_t dropped_seen_ = 0;  // owning thread only (Tick)

  // Durable intake. The consumer is created by the owning thread, then
  // recreated only by the acker thread, which the owning thread joins.
  std::unique_ptr<bus::JetStreamConsumer> consumer_;
  struct PendingAck {
    uint64_t barrier;  // the writer's sequence that must commit first
    std::string subject;
  };
  Mutex intake_mu_;
  CondVar intake_cv_{&intake_mu_};
  uint64_t next_seq_ GUARDED_BY(intake_mu_) = 1;  // the stream sequence to apply next
  uint64_t handed_seq_ GUARDED_BY(intake_mu_) = 0;  // last one handed to the writer (or refused)
  int barrier_waiters_ GUARDED_BY(intake_mu_) = 0;
  CondVar handed_cv_{&intake_mu_};
  bool just_reset_ GUARDED_BY(intake_mu_) = true;  // nothing delivered since the last reset
  bool reset_wanted_ GUARDED_BY(intake_mu_) = false;
  uint64_t delivery_generation_ GUARDED_BY(intake_mu_) = 0;  // one per consumer Reset
  bool intake_stopping_ GUARDED_BY(intake_mu_) = false;
  std::deque<PendingAck> acks_ GUARDED_BY(intake_mu_);
  std::thread acker_;
};

}  // namespace roseyd::service
