#pragma once

#include <memory>

#include "base/mutex.h"
#include "bus/connection.h"
#include "config/config.h"
#include "service/database_service.h"
#include "service/service_metrics.h"
#include "store/event_writer.h"
#include "store/store.h"

namespace roseyd::service {

// roseyd's service in one process: the EventWriter and the DatabaseService
// on it, started and stopped in the order that loses nothing. The daemon
// runs one; the in-process bench target stops it and opens it again,
// possibly in another durability mode, for the restart scenario.
//
// Open (the database) is separate from Start (NATS) so that a bad database
// file stops start-up before anything connects.
//
// Thread: thread-safe; calls are serialised (Stop holds out Tick while it
// drains). *listener and *metrics must outlive it.
class ServiceHost {
 public:
  ServiceHost(store::CommitListener* listener, ServiceMetrics* metrics);
  ~ServiceHost();  // Stop()

  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // Opens (creating or upgrading) the database `config` names and starts its
  // writer, which tells *listener about each commit and first commits what
  // the last stop kept in config.PendingEventsPath(). Throws StartupError.
  // REQUIRES: not open (new, or stopped).
  void Open(const Config& config);

  // Starts the DatabaseService of the config given to Open on *connection,
  // which must outlive Stop(). Throws StartupError.
  // REQUIRES: open, and not started since.
  void Start(bus::Connection* connection);

  // Starts the stop's clock (store.stop_timeout) and lets intake hand over
  // without waiting for room in the write queue, ahead of Stop(), so that
  // what runs before it (a benchmark cancelling) counts against the same
  // budget. Nothing when not open. Never throws.
  void BeginStop() noexcept;

  // Stops intake (waiting up to service.drain_timeout for what was
  // received), answers the queued requests, commits every event received
  // (within store.stop_timeout; the rest goes to config.PendingEventsPath()
  // for the next start) and closes open sessions, then closes the database.
  // Open may follow. Idempotent; never throws.
  void Stop() noexcept;

  // Refreshes the service's gauges; nothing when stopped. About once a second.
  void Tick();

  // The open writer, or nullptr; valid until the next Stop().
  store::EventWriter* writer();

 private:
  store::CommitListener* const listener_;
  ServiceMetrics* const metrics_;

  Mutex mu_;
  std::unique_ptr<Config> config_ GUARDED_BY(mu_);  // of the open database
  // Declared in start order: the service goes first, the store last.
  std::unique_ptr<store::Store> store_ GUARDED_BY(mu_);
  std::unique_ptr<store::EventWriter> writer_ GUARDED_BY(mu_);
  std::unique_ptr<DatabaseService> service_ GUARDED_BY(mu_);
};

}  // namespace roseyd::service
