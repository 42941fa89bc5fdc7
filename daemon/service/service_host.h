#pragma once

#include <memory>
#include <thread>

#include "base/mutex.h"
#include "bus/connection.h"
#include "config/config.h"
#include "service/database_service.h"
#include "service/follower_sink.h"
#include "service/role_machine.h"
#include "service/service_metrics.h"
#include "store/store.h"
#include "writer/event_writer.h"

namespace roseyd::service {

// roseyd's service in one process: the EventWriter and the DatabaseService
// on it, started and stopped in the order that loses nothing. The daemon
// runs one; the in-process bench target stops it and opens it again,
// possibly in another durability mode, for the restart scenario.
//
// Open (the database) is separate from Start (NATS) so that a bad database
// file stops start-up before anything connects.
//
// On a store several roseyd share (PostgreSQL), one of them writes: the one
// whose store writer holds the store's claim (StoreWriter::TryClaim). The
// others follow: they answer read requests (DatabaseService::Role::kFollower)
// and try for the claim every kClaimInterval; the first to take it starts
// the writer and the full service. A watcher thread looks at the claim every
// kClaimInterval and a RoleMachine decides: a writer that loses its claim
// (its session ended and another took over) stops writing and follows; one
// that cannot prove it within its lease pauses (RoleMachine). Each change is
// logged once and shown by roseyd_store_leader, which is read at each
// scrape against the claim's lease.
//
// Thread: thread-safe; calls are serialised (Stop holds out Tick while it
// drains), and a watcher thread of its own changes roles on a shared store.
// *listener and *metrics must outlive it.
class ServiceHost {
 public:
  ServiceHost(store::CommitListener* listener, ServiceMetrics* metrics);
  ~ServiceHost();  // Stop()

  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // Opens (creating or upgrading) the database `config` names and, if it may
  // write (always, unless another roseyd holds a shared store's claim),
  // starts its writer, which tells *listener about each commit and first
  // commits what the last stop kept in config.PendingEventsPath(). Throws
  // StartupError. REQUIRES: not open (new, or stopped).
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
  // Refreshes the service's gauges and lets the writer say if its commits
  // stall (EventWriter::CheckStall); nothing when stopped. About once a
  // second.
  void Tick();
  // The open writer, or nullptr (also while another roseyd writes); valid
  // until the next Stop() or change of role.
  store::EventWriter* writer();
  // Whether this roseyd writes to the store now.
  bool leader();

  // How often a follower tries for the claim, and a writer checks it still
  // holds it: the bulk of a failover's time.
  static constexpr std::chrono::milliseconds kClaimInterval{100};

 private:
  // Makes `store_writer` (holding the claim) this process's EventWriter.
  void StartWriter(std::unique_ptr<store::StoreWriter> store_writer) REQUIRES(mu_);
  // The DatabaseService for the current role. Throws StartupError.
  void StartService() REQUIRES(mu_);
  // Stops the service and the writer, in the order that loses nothing.
  void StopServiceAndWriter() REQUIRES(mu_);
  // Role changes on a shared store, from the watcher thread.
  void WatchClaim() EXCLUDES(mu_, watch_mu_);
  // Carries out what the RoleMachine decided.
  void Act(RoleMachine::Change change) REQUIRES(mu_);
  void TakeOver() REQUIRES(mu_);
  void StepDown() REQUIRES(mu_);
  // candidate->TryClaim(), unless the host is stopping; StopClaims() cuts it
  // short (a database server that does not answer would hold mu_, and the
  // stop, for its timeouts).
  bool TryClaim(store::StoreWriter* candidate) EXCLUDES(claiming_mu_);
  void StopClaims() noexcept EXCLUDES(claiming_mu_);

  store::CommitListener* const listener_;
  ServiceMetrics* const metrics_;

  Mutex mu_;
  std::unique_ptr<Config> config_ GUARDED_BY(mu_);         // of the open database
  bus::Connection* connection_ GUARDED_BY(mu_) = nullptr;  // once started
  // Declared in start order: the service goes first, the store last.
  std::unique_ptr<store::Store> store_ GUARDED_BY(mu_);
  // A shared store's writer waiting for the claim (this roseyd follows).
  std::unique_ptr<store::StoreWriter> candidate_ GUARDED_BY(mu_);
  std::unique_ptr<store::EventWriter> writer_ GUARDED_BY(mu_);
  std::unique_ptr<FollowerSink> follower_sink_ GUARDED_BY(mu_);
  std::unique_ptr<DatabaseService> service_ GUARDED_BY(mu_);
  RoleMachine machine_ GUARDED_BY(mu_){RoleMachine::Role::kFollowing, false};

  Mutex claiming_mu_;
  store::StoreWriter* claiming_ GUARDED_BY(claiming_mu_) = nullptr;  // in TryClaim now
  bool claims_stopped_ GUARDED_BY(claiming_mu_) = false;

  Mutex watch_mu_;
  CondVar watch_cv_{&watch_mu_};
  bool watching_ GUARDED_BY(watch_mu_) = false;
  std::thread watcher_;  // Start/Stop only
};

}  // namespace roseyd::service
