#include "loadgen/in_process_target.h"

#include <chrono>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "bus/jetstream.h"
#include "config/config_loader.h"
#include "loadgen/bench_service_config.h"
#include "loadgen/in_process_replicas.h"

namespace roseyd::loadgen {

InProcessTarget::InProcessTarget(const Config& config, std::string nats_url,
                                 bus::ConnectionOptions client)
    : config_(BenchServiceConfig(config)),
      bot_prefix_(config.service.subject_prefix),
      nats_url_(std::move(nats_url)),
      client_(std::move(client)),
      metrics_(&registry_),
      fanout_(&metrics_) {}

InProcessTarget::~InProcessTarget() {
  MutexLock lock(&mu_);
  StopInstance();
}

void InProcessTarget::BeginRun() {
  MutexLock lock(&mu_);
  StopInstance();
  const std::filesystem::path scratch = std::filesystem::path(config_.DatabasePath()).parent_path();
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);  // a run killed before its EndRun left it
  std::filesystem::create_directories(scratch, ec);
  if (ec) {
    throw StartupError("bench", "cannot create the benchmark's scratch folder '" +
                                    scratch.string() + "': " + ec.message());
  }
  bus::ConnectionOptions options = ClientOptions();
  options.name = config_.nats.name;
  options.send_asap = true;  // it sends replies, as the bot's service does
  options.retry_on_failed_connect = false;
  connection_ = std::make_unique<bus::Connection>(options, &nats_errors_);
  try {
    StartHost(config_);
  } catch (...) {
    StopInstance();
    throw;
  }
  spdlog::info("bench: the load generator's own service instance is up: subjects {}.>, queue "
               "group '{}', scratch database {}",
               config_.service.subject_prefix, config_.service.queue_group,
               config_.DatabasePath());
}

void InProcessTarget::EndRun() noexcept {
  MutexLock lock(&mu_);
  StopInstance();
}

void InProcessTarget::StopInstance() noexcept {
  if (host_) host_->Stop();
  host_.reset();
  RemoveStream();
  connection_.reset();
  const std::filesystem::path scratch = std::filesystem::path(config_.DatabasePath()).parent_path();
  std::error_code ec;
  if (std::filesystem::remove_all(scratch, ec) > 0 && !ec) {
    spdlog::info("bench: removed the scratch database {}", config_.DatabasePath());
  } else if (ec) {
    spdlog::warn("bench: could not remove the scratch folder {}: {}", scratch.string(),
                 ec.message());
  }
}

void InProcessTarget::RemoveStream() noexcept {
  if (stream_in_use_ && connection_) {
    if (const Status s = bus::DeleteStream(connection_.get(), kBenchStream); !s.ok()) {
      spdlog::warn("bench: could not remove the benchmark's stream {}: {}", kBenchStream,
                   s.ToString());
    }
  }
  stream_in_use_ = false;
}

std::unique_ptr<ReplicaSet> InProcessTarget::StartReplicas(int count) {
  if (config_.bench.store_url.empty()) {
    throw std::runtime_error(
        "it needs bench.store_url: a PostgreSQL database of the benchmark's own, where its "
        "instances work in schema roseyd_bench (dropped after)");
  }
  {
    MutexLock lock(&mu_);
    if (!host_) throw std::runtime_error("the benchmark's service instance is not running");
    // Off the subjects while the replicas serve them; its stream would
    // capture their subjects too.
    host_->Stop();
    RemoveStream();
    stream_in_use_ = true;  // the replicas' (kBenchStream), removed by EndReplicas
    replicas_running_ = true;
  }
  try {
    return std::make_unique<InProcessReplicas>(config_, count, ClientOptions(), &nats_errors_,
                                               &fanout_, &metrics_, [this] { EndReplicas(); });
  } catch (...) {
    EndReplicas();
    throw;
  }
}

void InProcessTarget::EndReplicas() noexcept {
  MutexLock lock(&mu_);
  replicas_running_ = false;
  RemoveStream();
  try {
    StartHost(config_);
  } catch (const std::exception& e) {
    spdlog::error("bench: could not start the benchmark's service instance again after the "
                  "failover scenario: {}",
                  e.what());
  }
}

bus::ConnectionOptions InProcessTarget::ClientOptions() const {
  bus::ConnectionOptions options = client_;
  options.url = nats_url_;
  options.quiet = true;  // one connection per simulated bot: their lines at debug
  return options;
}

std::string InProcessTarget::ConfigUsed() const {
  return "# The load generator's own service instance (BenchServiceConfig of this roseyd's "
         "config).\n" +
         DescribeConfig(config_);
}

store::EventWriter* InProcessTarget::Writer() {
  MutexLock lock(&mu_);
  return host_ ? host_->writer() : nullptr;
}

bool InProcessTarget::RestartService(RestartTiming* timing, std::string* why,
                                     const std::function<void()>& stopped,
                                     const std::string& durability) {
  Config config = config_;
  if (!durability.empty()) config.service.durability = durability;
  MutexLock lock(&mu_);
  if (!host_) {
    *why = "the benchmark's service instance is not running";
    return false;
  }
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
  spdlog::info("bench: the benchmark's service instance stopped for a restart");
  if (stopped) stopped();
  if (!config.service.Durable() && stream_in_use_) {
    const Status s = bus::DeleteStream(connection_.get(), kBenchStream);
    if (!s.ok()) spdlog::warn("could not remove the benchmark's stream: {}", s.ToString());
    stream_in_use_ = false;
  }
  try {
    StartHost(config);
  } catch (const std::exception& e) {
    host_->Stop();  // whatever part of it did start
    if (config.service.durability == config_.service.durability) throw;
    // The mode asked for cannot run here (no JetStream): carry on as configured.
    spdlog::error("bench: restart in {} mode failed ({}); restarting as configured",
                  config.service.durability, e.what());
    StartHost(config_);
    throw;
  }
  timing->ready = std::chrono::steady_clock::now();
  spdlog::info("bench: the benchmark's service instance restarted in {:.1f} ms ({} NATS)",
               std::chrono::duration<double, std::milli>(timing->ready - timing->began).count(),
               config.service.durability);
}

void InProcessTarget::StartHost(const Config& config) {
  if (!host_) host_ = std::make_unique<service::ServiceHost>(&fanout_, &metrics_);
  host_->Open(config);
  host_->Start(connection_.get());
  if (config.service.Durable()) stream_in_use_ = true;
}

}  // namespace roseyd::loadgen
