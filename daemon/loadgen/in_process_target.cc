#include "loadgen/in_process_target.h"

#include <chrono>
#include <exception>

#include <spdlog/spdlog.h>

#include "bus/jetstream.h"

namespace roseyd::loadgen {

InProcessTarget::InProcessTarget(const Config& config, std::string nats_url,
                                 bus::Connection* connection, store::CommitFanout* fanout,
                                 service::ServiceHost* host)
    : config_(config),
      nats_url_(std::move(nats_url)),
      connection_(connection),
      fanout_(fanout),
      host_(host) {}

bool InProcessTarget::RestartService(RestartTiming* timing, std::string* why,
                                     const std::function<void()>& stopped,
                                     const std::string& durability) {
  Config config = config_;
  if (durability == "jetstream" && !config_.service.Durable()) {
    // A benchmark's own stream, so a daemon configured for core NATS is not
    // left with a stream capturing its events; removed when core comes back.
    config.service.durability = "jetstream";
    config.service.jetstream.stream = kBenchStream;
    config.service.jetstream.consumer = "roseyd-bench";
  } else if (durability == "core") {
    config.service.durability = "core";
  }
  MutexLock lock(&mu_);
  try {
    Restart(config, timing, stopped);
    return true;
  } catch (const std::exception& e) {
    *why = e.what();
    return false;
  }
}

void InProcessTarget::Restart(const Config& config, RestartTiming* timing,
                              const std::function<void()>& stopped) {
  timing->began = std::chrono::steady_clock::now();
  host_->Stop();
  spdlog::info("service stopped for a restart");
  if (stopped) stopped();
  if (config.service.durability == "core" && bench_stream_in_use_) {
    const Status s = bus::DeleteStream(connection_, kBenchStream);
    if (!s.ok()) spdlog::warn("could not remove the benchmark's stream: {}", s.ToString());
    bench_stream_in_use_ = false;
  }
  try {
    StartHost(config);
  } catch (const std::exception& e) {
    host_->Stop();  // whatever part of it did start
    if (config.service.durability == config_.service.durability) throw;
    // The mode asked for cannot run here (no JetStream): carry on as configured.
    spdlog::error("service restart in {} mode failed ({}); restarting as configured",
                  config.service.durability, e.what());
    StartHost(config_);
    throw;
  }
  bench_stream_in_use_ = config.service.jetstream.stream == kBenchStream &&
                         config.service.Durable();
  timing->ready = std::chrono::steady_clock::now();
  spdlog::info("service restarted in {:.1f} ms ({} NATS)",
               std::chrono::duration<double, std::milli>(timing->ready - timing->began).count(),
               config.service.durability);
}

void InProcessTarget::StartHost(const Config& config) {
  host_->Open(config);
  host_->Start(connection_);
}

}  // namespace roseyd::loadgen
