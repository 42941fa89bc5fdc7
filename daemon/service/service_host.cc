#include "service/service_host.h"

#include <spdlog/spdlog.h>

#include "store/open_store.h"

namespace roseyd::service {

ServiceHost::ServiceHost(store::CommitListener* listener, ServiceMetrics* metrics)
    : listener_(listener), metrics_(metrics) {}

ServiceHost::~ServiceHost() { Stop(); }

void ServiceHost::Open(const Config& config) {
  MutexLock lock(&mu_);
  auto store = store::OpenStore(config);
  auto store_writer = store->OpenWriter();
  spdlog::info("store: {}", store->Describe());
  config_ = std::make_unique<Config>(config);
  const bool writes = store_writer->TryClaim();
  if (writes) {
    StartWriter(std::move(store_writer));
  } else {
    candidate_ = std::move(store_writer);
  }
  if (store->Shared()) {
    if (writes) {
      spdlog::info("store: this roseyd writes to {} (it holds the writer's claim)",
                   store->Describe());
    } else {
      spdlog::info(
          "store: another roseyd writes to {}; this one answers read requests and "
          "takes over when that one stops",
          store->Describe());
    }
  }
  store_ = std::move(store);
  machine_ = RoleMachine(writes ? RoleMachine::Role::kLeading : RoleMachine::Role::kFollowing,
                         config.service.Durable());
  if (writes) (void)machine_.OnClaim(writer_->Claim(), std::chrono::steady_clock::now());
  metrics_->SetStoreLeaderUntil(machine_.leader_until());
  metrics_->SetWriteQueueCapacity(static_cast<double>(config.store.write_queue_capacity));
}

void ServiceHost::StartWriter(std::unique_ptr<store::StoreWriter> store_writer) {
  auto writer =
      std::make_unique<store::EventWriter>(std::move(store_writer), config_->store, listener_);
  writer->KeepPendingIn(config_->PendingEventsPath());
  writer->Start();
  writer_ = std::move(writer);
}

void ServiceHost::Start(bus::Connection* connection) {
  MutexLock lock(&mu_);
  connection_ = connection;
  StartService();
  if (store_->Shared()) {
    MutexLock watch_lock(&watch_mu_);
    watching_ = true;
    watcher_ = std::thread([this] { WatchClaim(); });
  }
}

void ServiceHost::StartService() {
  std::unique_ptr<DatabaseService> service;
  if (writer_) {
    service = std::make_unique<DatabaseService>(*config_, connection_, writer_.get(), store_.get(),
                                                metrics_);
  } else {
    follower_sink_ =
        std::make_unique<FollowerSink>(store_->OpenReader(), config_->service.jetstream.stream);
    service =
        std::make_unique<DatabaseService>(*config_, connection_, follower_sink_.get(), store_.get(),
                                          metrics_, DatabaseService::Role::kFollower);
  }
  service->Start();  // a failure destroys it, stopped
  service_ = std::move(service);
}

void ServiceHost::WatchClaim() {
  for (;;) {
    {
      MutexLock lock(&watch_mu_);
      const auto until = std::chrono::steady_clock::now() + kClaimInterval;
      while (watching_ && watch_cv_.WaitUntil(until)) {
      }
      if (!watching_) return;
    }
    MutexLock lock(&mu_);
    try {
      if (machine_.leading_or_paused() && !writer_) {
        // A change of role failed half-way: start again as a follower.
        machine_ = RoleMachine(RoleMachine::Role::kFollowing, config_->service.Durable());
      }
      if (machine_.following()) {
        if (!candidate_) candidate_ = store_->OpenWriter();  // after a step down that failed
        Act(machine_.OnTried(TryClaim(candidate_.get())));
      } else {
        Act(machine_.OnClaim(writer_->Claim(), std::chrono::steady_clock::now()));
      }
      if (!service_) StartService();  // after a failure above: keep trying
    } catch (const std::exception& e) {
      // The database or NATS went away mid-change; the next round tries again.
      spdlog::warn("store: changing this roseyd's role failed, trying again: {}", e.what());
    }
    metrics_->SetStoreLeaderUntil(machine_.leader_until());
  }
}

void ServiceHost::Act(RoleMachine::Change change) {
  switch (change) {
    case RoleMachine::Change::kNone:
      return;
    case RoleMachine::Change::kTakeOver:
      TakeOver();
      (void)machine_.OnClaim(writer_->Claim(), std::chrono::steady_clock::now());
      return;
    case RoleMachine::Change::kPause:
      spdlog::warn(
          "store: this roseyd cannot prove that it still holds the writer's claim on {} (its "
          "session ended, or the database has not answered within the claim's lease); it "
          "reports roseyd_store_leader 0 and refuses write requests until it can{}",
          store_->Describe(),
          config_->service.Durable() ? ", and stops writing if that lasts" : "");
      return;
    case RoleMachine::Change::kResume:
      spdlog::info("store: this roseyd holds the writer's claim on {} again and writes",
                   store_->Describe());
      return;
    case RoleMachine::Change::kStepDown:
      StepDown();
      return;
  }
}

bool ServiceHost::TryClaim(store::StoreWriter* candidate) {
  {
    MutexLock lock(&claiming_mu_);
    if (claims_stopped_) return false;
    claiming_ = candidate;
  }
  const bool claimed = candidate->TryClaim();
  MutexLock lock(&claiming_mu_);
  claiming_ = nullptr;
  return claimed && !claims_stopped_;
}

void ServiceHost::StopClaims() noexcept {
  MutexLock lock(&claiming_mu_);
  claims_stopped_ = true;
  if (claiming_ != nullptr) claiming_->Interrupt();
}

void ServiceHost::TakeOver() {
  const auto started = std::chrono::steady_clock::now();
  if (service_) {
    service_->Stop();  // the follower's: read requests only, answered first
    service_.reset();
  }
  follower_sink_.reset();
  StartWriter(std::move(candidate_));
  StartService();
  spdlog::warn(
      "store: this roseyd now writes to {} (it took the writer's claim; stream "
      "position {}; serving in {} ms)",
      store_->Describe(), writer_->StreamPosition(),
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                            started)
          .count());
}

void ServiceHost::StepDown() {
  if (writer_->Claim().lost) {
    spdlog::error(
        "store: this roseyd lost the writer's claim on {} and stops writing; it answers "
        "read requests and tries for the claim again",
        store_->Describe());
  } else {
    spdlog::error(
        "store: this roseyd could not prove its claim on {} for {} ms and stops writing (its "
        "events wait in the stream for whichever roseyd writes next); it answers read "
        "requests and tries for the claim again",
        store_->Describe(),
        std::chrono::duration_cast<std::chrono::milliseconds>(RoleMachine::kPauseLimit).count());
  }
  metrics_->SetStoreLeader(false);
  StopServiceAndWriter();  // nothing commits: the stream keeps its events, the rest is kept
  candidate_ = store_->OpenWriter();
  StartService();
}

void ServiceHost::StopServiceAndWriter() {
  // From here nothing waits on a full write queue, and the writer has until
  // store.stop_timeout to commit.
  if (writer_) writer_->BeginStop();
  // A follower's requests get the writer's budget too: past it, reads a
  // database server does not answer are cut short.
  // (Nothing is open on a second Stop: config_ is gone then.)
  auto deadline = std::chrono::steady_clock::now();
  if (writer_) {
    deadline = writer_->StopDeadline();
  } else if (config_) {
    deadline += config_->store.stop_timeout;
  }
  if (service_) {
    service_->StopIntake(config_->service.drain_timeout);  // everything received is queued
    service_->Stop(deadline);                              // queued requests answered
  }
  if (writer_) {
    writer_->Stop();  // commits the queue (or keeps it for the next start), closes sessions
    const uint64_t submitted = writer_->LastSubmitted();
    if (writer_->LastCommitted() >= submitted) {
      spdlog::info("database closed after committing every received event (last sequence {})",
                   submitted);
    } else {
      spdlog::info("database closed; events {} to {} did not commit (see above)",
                   writer_->LastCommitted() + 1, submitted);
    }
  }
  service_.reset();
  follower_sink_.reset();
  writer_.reset();
}

void ServiceHost::Stop() noexcept {
  {
    MutexLock watch_lock(&watch_mu_);
    watching_ = false;
    watch_cv_.SignalAll();
  }
  StopClaims();
  if (watcher_.joinable()) watcher_.join();
  MutexLock lock(&mu_);
  try {
    StopServiceAndWriter();
  } catch (const std::exception& e) {
    spdlog::error("error while stopping the service: {}", e.what());
  }
  service_.reset();
  follower_sink_.reset();
  writer_.reset();
  candidate_.reset();
  store_.reset();
  config_.reset();
  connection_ = nullptr;
  MutexLock claiming_lock(&claiming_mu_);
  claims_stopped_ = false;  // Open may follow
}

void ServiceHost::BeginStop() noexcept {
  StopClaims();
  MutexLock lock(&mu_);
  if (writer_) writer_->BeginStop();
}

void ServiceHost::Tick() {
  // A change of role (or a stop) holds mu_, perhaps waiting on the
  // database: the gauges wait for the next tick, not the caller.
  if (!mu_.TryLock()) return;
  if (service_) service_->Tick();
  // The writer thread, stuck in a call to the database, cannot say so.
  if (writer_) (void)writer_->CheckStall();
  mu_.Unlock();
}

store::EventWriter* ServiceHost::writer() {
  MutexLock lock(&mu_);
  return writer_.get();
}

bool ServiceHost::leader() {
  MutexLock lock(&mu_);
  return writer_ != nullptr;
}

}  // namespace roseyd::service
