#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "bus/connection.h"
#include "bus/jetstream.h"
#include "bus/stream_consumer.h"
#include "bus/subscription.h"
#include "service/service_metrics.h"
#include "service/stream_ledger.h"

namespace roseyd::service {

// Durable intake's witness: a plain subscription on the stream's subjects
// that keeps what the bus carried (StreamLedger), and a thread that once a
// period asks the stream where it ends. While a stream has no leader (its
// node was lost and JetStream elects another, seconds), the bot's core
// publishes reach no one who stores them. Once the stream answers again and
// the intake has read what it holds, the events the stream never delivered
// are counted (roseyd_events_unstored_total), logged once with their window,
// and written back into it (roseyd_events_restored_total), after the events
// published since (docs/FAULTS.md, 5k). DatabaseService runs one for a
// replicated stream only (service.jetstream.replicas above 1): on a single
// server the stream and roseyd's connection are lost together.
//
// Thread: Start/Stop from the owner; the subscription's callback records on
// the connection's thread, and the comparisons and write-backs run on a
// thread of their own. *connection, *consumer, *ledger and *metrics must
// outlive it; the durable intake tells *ledger what it was handed.
class StreamWitness {
 public:
  StreamWitness(std::string stream, std::string subject_prefix, bus::Connection* connection,
                bus::StreamConsumer* consumer, StreamLedger* ledger, ServiceMetrics* metrics,
                std::chrono::milliseconds period = std::chrono::milliseconds(1000));
  ~StreamWitness();  // Stop()

  StreamWitness(const StreamWitness&) = delete;
  StreamWitness& operator=(const StreamWitness&) = delete;

  // Subscribes and starts comparing. Throws StartupError.
  void Start();
  void Stop();

 private:
  void Run();
  // Asks the stream where it ends; logs when it stops and starts answering.
  void Checkpoint();
  // Counts, logs and writes back what the ledger knows the stream never stored.
  void Restore();
  // Adds the acks that came since the last call to roseyd_events_restored_total.
  void CountAcked();
  bool Stopping() EXCLUDES(mu_);

  const std::string stream_;
  const std::string subject_prefix_;
  bus::Connection* const connection_;
  bus::StreamConsumer* const consumer_;
  StreamLedger* const ledger_;
  ServiceMetrics* const metrics_;
  const std::chrono::milliseconds period_;
  const std::string msg_id_prefix_;  // "roseyd-restore-<random>-": unique across restarts

  std::unique_ptr<bus::Subscription> subscription_;
  // The comparison thread's.
  std::unique_ptr<bus::StreamPublisher> publisher_;
  std::optional<std::chrono::steady_clock::time_point> unanswered_since_;
  std::vector<bus::StreamMessage> unsent_;  // found unstored, not yet written back
  int64_t acked_counted_ = 0;               // publisher_->Acked() already counted

  Mutex mu_;
  CondVar cv_{&mu_};
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace roseyd::service
