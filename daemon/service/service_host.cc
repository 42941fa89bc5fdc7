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
  auto writer =
      std::make_unique<store::EventWriter>(store->OpenWriter(), config.store, listener_);
  writer->KeepPendingIn(config.PendingEventsPath());
  writer->Start();
  spdlog::info("store: {}", store->Describe());
  store_ = std::move(store);
  writer_ = std::move(writer);
  config_ = std::make_unique<Config>(config);
  metrics_->SetWriteQueueCapacity(static_cast<double>(config.store.write_queue_capacity));
}

void ServiceHost::Start(bus::Connection* connection) {
  MutexLock lock(&mu_);
  service_ = std::make_unique<DatabaseService>(*config_, connection, writer_.get(), store_.get(),
                                               metrics_);
  service_->Start();
}

void ServiceHost::Stop() noexcept {
  MutexLock lock(&mu_);
  try {
    // From here nothing waits on a full write queue, and the writer has until
    // store.stop_timeout to commit.
    if (writer_) writer_->BeginStop();
    const auto deadline = writer_ ? writer_->StopDeadline()
                                  : std::chrono::steady_clock::time_point::max();
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
  } catch (const std::exception& e) {
    spdlog::error("error while stopping the service: {}", e.what());
  }
  service_.reset();
  writer_.reset();
  store_.reset();
  config_.reset();
}

void ServiceHost::BeginStop() noexcept {
  MutexLock lock(&mu_);
  if (writer_) writer_->BeginStop();
}

void ServiceHost::Tick() {
  MutexLock lock(&mu_);
  if (service_) service_->Tick();
}

store::EventWriter* ServiceHost::writer() {
  MutexLock lock(&mu_);
  return writer_.get();
}

}  // namespace roseyd::service
