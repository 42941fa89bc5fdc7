#pragma once

#include <chrono>
#include <memory>

#include "bus/connection.h"
#include "config/config.h"
#include "service/event_handler.h"
#include "service/intake.h"
#include "service/request_service.h"
#include "service/service_metrics.h"
#include "service/storage_context.h"
#include "service/stream_ledger.h"
#include "service/stream_witness.h"
#include "store/event_sink.h"

namespace roseyd::service {

// The Rosey DatabaseService on NATS: an Intake that hands events to the
// EventSink (through the EventHandler) and a RequestService that answers
// requests once the events received before them have committed.
//
// On core NATS (service.durability: core) one CoreIntake subscribes to
// "<prefix>.>" in the queue group and receives every subject in arrival
// order, events and requests alike. With service.durability: jetstream a
// StreamIntake reads the events from the stream, in stream order, and a
// CoreIntake takes the requests on their own subjects.
//
// Request families are registered here: the classic queries and the plugin
// storage API's KV, Row and Migrate, which share a StorageContext (the row
// schema catalog, loaded from the database by Start).
//
// Thread: Start/StopIntake/Stop/Tick from the owning thread; the rest runs
// on the intake and request worker threads. *connection, *sink, *store and
// *metrics must outlive it.
class DatabaseService {
 public:
  // kFollower: another roseyd writes to the shared store; this one takes
  // the read requests alone (FollowerIntake) and *sink is a FollowerSink.
  enum class Role { kWriter, kFollower };

  // Requests are answered through read sides of *store.
  DatabaseService(const Config& config, bus::Connection* connection, store::EventSink* sink,
                  store::Store* store, ServiceMetrics* metrics, Role role = Role::kWriter);
  ~DatabaseService();  // Stop()

  DatabaseService(const DatabaseService&) = delete;
  DatabaseService& operator=(const DatabaseService&) = delete;

  // Loads the row schema catalog, opens the read connections, starts the
  // request workers, then intake (creating or updating the stream under
  // durable intake). Throws StartupError.
  void Start();

  // Stops intake and waits, up to `timeout`, until every message already
  // received has been handed to the sink or the request queue. Idempotent.
  void StopIntake(std::chrono::milliseconds timeout);

  // StopIntake(service.drain_timeout) if not done yet, then answers the
  // queued requests (their read-your-writes wait ends at `answer_by` at the
  // latest) and joins the workers. Idempotent.
  void Stop(std::chrono::steady_clock::time_point answer_by =
                std::chrono::steady_clock::time_point::max());

  // Refreshes gauges (queue depths, slow-consumer drops). Call about once a second.
  void Tick();

 private:
  // Constant after construction.
  const Config config_;
  bus::Connection* const connection_;
  store::EventSink* const sink_;
  store::Store* const store_;
  ServiceMetrics* const metrics_;
  const Role role_;

  EventHandler events_;
  StorageContext storage_;
  // Durable intake's writer of a replicated stream only: shared by the
  // intake and the witness, so declared before both.
  std::unique_ptr<StreamLedger> ledger_;  // used by the families: outlives requests_
  // Intakes are declared before the RequestService, which uses them for
  // barriers until its workers are joined, and so are destroyed after it.
  std::unique_ptr<Intake> intake_;          // events; on core NATS, requests too
  std::unique_ptr<Intake> request_intake_;  // durable intake only: the requests
  RequestService requests_;
  // Durable intake's writer only: what the bus carried against what the
  // stream stored. Uses intake_'s consumer, so goes first.
  std::unique_ptr<StreamWitness> witness_;
};

}  // namespace roseyd::service
