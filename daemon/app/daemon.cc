#include "app/daemon.h"

#include <filesystem>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "app/nats_client_options.h"
#include "app/nats_state_reporter.h"
#include "app/stop_signals.h"
#include "base/build_info.h"
#include "base/startup_error.h"
#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "loadgen/controller.h"
#include "loadgen/in_process_target.h"
#include "loadgen/loadgen_metrics.h"
#include "metrics/metrics_server.h"
#include "metrics/readiness.h"
#include "service/commit_ack_publisher.h"
#include "service/service_host.h"
#include "service/service_metrics.h"
#include "writer/commit_fanout.h"

namespace roseyd {

namespace {

void RegisterBuildInfo(prometheus::Registry* registry) {
  const BuildInfo& info = GetBuildInfo();
  prometheus::BuildGauge()
      .Name("roseyd_build_info")
      .Help("Always 1; the labels name the running build")
      .Register(*registry)
      .Add({{"version", std::string(info.version)},
            {"revision", std::string(info.revision)},
            {"compiler", std::string(info.compiler)}})
      .Set(1);
}

// The service's connection publishes only replies: send each at once (about
// 0.15 ms instead of about 1 ms round trip with cnats's batching flusher).
bus::ConnectionOptions ServiceConnectionOptions(const NatsConfig& nats, const std::string& url) {
  bus::ConnectionOptions options = NatsClientOptions(nats, url);
  options.send_asap = true;
  // Durable intake subscribes to each request subject on its own: one
  // delivery thread keeps a kv.get after a kv.set from the same client in
  // order (read-your-writes). Core NATS has one subscription anyway.
  options.ordered_delivery = true;
  return options;
}

}  // namespace

Daemon::Daemon(Config config) : config_(std::move(config)) {}

Daemon::~Daemon() { Shutdown(); }

void Daemon::Start() {
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  if (ec) {
    throw StartupError("app", "cannot create data_dir '" + config_.data_dir + "': " + ec.message());
  }

  nats_library_ = std::make_unique<bus::NatsLibrary>();
  readiness_ = std::make_unique<metrics::Readiness>();
  registry_ = std::make_shared<prometheus::Registry>();
  RegisterBuildInfo(registry_.get());
  metrics_ = std::make_unique<service::ServiceMetrics>(registry_.get());
  if (!config_.metrics.listen.empty()) {
    metrics_server_ = std::make_unique<metrics::MetricsServer>(
        config_.metrics.listen, registry_, readiness_.get(),
        std::vector<std::shared_ptr<prometheus::Collectable>>{metrics_->scraped()});
  }
  commit_fanout_ = std::make_unique<store::CommitFanout>(metrics_.get());
  loadgen_metrics_ = std::make_unique<loadgen::LoadgenMetrics>(registry_.get());
  // The database before NATS, so a bad database file stops start-up early.
  service_ = std::make_unique<service::ServiceHost>(commit_fanout_.get(), metrics_.get());
  service_->Open(config_);
  CheckPluginsDir();

  nats_url_ = StartNats();
  Connect(nats_url_);
  if (!config_.service.commit_ack_subject.empty()) {
    // Before the service subscribes, so no traced event commits unacknowledged.
    commit_acks_ = std::make_unique<service::CommitAckPublisher>(
        connection_.get(), config_.service.commit_ack_subject);
    commit_fanout_->Add(commit_acks_.get());
    spdlog::info("commit acknowledgements for traced events on {}",
                 config_.service.commit_ack_subject);
  }
  service_->Start(connection_.get());
  bench_target_ = std::make_unique<loadgen::InProcessTarget>(
      config_, nats_url_, NatsClientOptions(config_.nats, nats_url_));
  StartBenchControl();  // before "ready": a client may drive the bench once it reads that
  readiness_->SetPhase(metrics::Readiness::Phase::kServing);
  started_ = true;
  LogReady(started);
  StartBenchAtStart();
}

std::string Daemon::StartNats() {
  if (!config_.nats.url.empty()) return config_.nats.url;
  const auto& e = config_.nats.embedded;
  bus::EmbeddedServerOptions options;
  options.binary = e.binary;
  options.host = e.host;
  options.port = e.port;
  options.jetstream = e.jetstream;
  options.store_dir = config_.NatsStoreDir();
  options.log_file = config_.data_dir + "/nats-server.log";
  options.ready_timeout = e.ready_timeout;
  embedded_server_ = std::make_unique<bus::EmbeddedServer>(options);
  spdlog::info("embedded nats-server (pid {}) listening on {}; its log: {}",
               embedded_server_->pid(), embedded_server_->url(), options.log_file);
  return embedded_server_->url();
}

void Daemon::Connect(const std::string& url) {
  nats_reporter_ = std::make_unique<NatsStateReporter>(
      metrics_.get(), readiness_.get(), bus::RedactUrl(url), config_.service.Durable());
  connection_ = std::make_unique<bus::Connection>(ServiceConnectionOptions(config_.nats, url),
                                                  nats_reporter_.get());
  nats_reporter_->Started(connection_->IsConnected());
}

void Daemon::CheckPluginsDir() const {
  const ServiceConfig& service = config_.service;
  if (service.plugins_dir.empty()) {
    if (!service.storage_plugins.empty()) {
      spdlog::warn("service.plugins_dir is not set: the migrate requests of the plugins in "
                   "service.storage_plugins find no migration files (apply answers \"No pending "
                   "migrations\" with that reason)");
    }
    return;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(service.plugins_dir, ec)) {
    spdlog::warn("service.plugins_dir '{}' is not a directory{}: plugins' migrate requests find "
                 "no migration files (apply answers \"No pending migrations\" with that reason)",
                 service.plugins_dir,
                 std::filesystem::exists(service.plugins_dir, ec) ? "" : " (it does not exist)");
  }
}

void Daemon::LogReady(std::chrono::steady_clock::time_point started) const {
  const auto ready_ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - started).count();
  const std::string intake =
      config_.service.Durable()
          ? "events from stream " + config_.service.jetstream.stream + ", requests on " +
                config_.service.subject_prefix + ".*"
          : "subjects " + config_.service.subject_prefix + ".>";
  // Not "ready" alone while NATS is not connected: nothing reaches roseyd yet.
  const bool connected = readiness_->Ready();
  spdlog::log(connected ? spdlog::level::info : spdlog::level::warn,
              "roseyd {} {} in {:.1f} ms: NATS {} ({}, queue group '{}'), database {}, {}",
              GetBuildInfo().version, connected ? "ready" : "started (ready, NATS not connected yet)",
              ready_ms, bus::RedactUrl(nats_url_), intake, config_.service.queue_group,
              config_.StoreDescription(),
              metrics_server_ ? "metrics http://" + metrics_server_->address() +
                                    "/metrics, readiness http://" + metrics_server_->address() +
                                    "/ready"
                              : std::string("metrics off"));
}

void Daemon::StartBenchControl() {
  if (config_.bench.run_at_start.empty() && !config_.bench.control.enabled) return;
  bench_ = std::make_unique<loadgen::BenchController>(config_, bench_target_.get(),
                                                      loadgen_metrics_.get(), connection_.get());
  bench_->StartControl();
}

void Daemon::StartBenchAtStart() {
  if (config_.bench.run_at_start.empty()) return;
  loadgen::RunRequest request;
  request.suite = config_.bench.run_at_start;
  std::string why;
  bench_->Start(request, &why);
  std::error_code ec;
  const std::filesystem::path out = std::filesystem::absolute(config_.BenchOutDir(), ec);
  spdlog::info("bench: running the {} suite now (bench.run_at_start) on the load generator's "
               "own service instance (subjects {}.>, a scratch database), not the bot's; "
               "report in {}, live figures on {}; roseyd keeps serving meanwhile, a little "
               "slower. Turn it off with bench.run_at_start: \"\" in the config, "
               "ROSEYD_BENCH_RUN_AT_START= or --set bench.run_at_start=",
               request.suite, config_.bench.subject_prefix,
               ((ec ? std::filesystem::path(config_.BenchOutDir()) : out) / "latest").string(),
               metrics_server_ ? "http://" + metrics_server_->address() + "/metrics"
                               : std::string("(metrics off)"));
}

loadgen::BenchTarget* Daemon::bench_target() { return bench_target_.get(); }

loadgen::LoadgenMetrics* Daemon::loadgen_metrics() { return loadgen_metrics_.get(); }

void Daemon::Run() {
  auto next_tick = std::chrono::steady_clock::now();
  while (!stop_requested_) {
    if (const int signal = WaitForStopSignal(std::chrono::milliseconds(200)); signal != 0) {
      spdlog::info("received {}; shutting down gracefully", StopSignalName(signal));
      return;
    }
    if (const auto now = std::chrono::steady_clock::now(); now >= next_tick) {
      service_->Tick();
      nats_reporter_->Tick(now);
      next_tick += std::chrono::seconds(1);
    }
  }
}

void Daemon::Shutdown() noexcept {
  try {
    const auto started = std::chrono::steady_clock::now();
    // After a failed start: no summary, the error stays the last word.
    const bool was_running = service_ != nullptr && started_;
    if (readiness_) readiness_->SetPhase(metrics::Readiness::Phase::kStopping);
    // The writer's stop budget starts now, while a benchmark run cancels.
    if (service_) service_->BeginStop();
    bench_.reset();  // cancels a run and waits for it, while the service still runs
    bench_target_.reset();
    if (service_) service_->Stop();  // intake, queued requests, every received event committed
    service_.reset();
    if (was_running && metrics_) {
      spdlog::info("this run: {} events received, {} committed, {} rejected",
                   metrics_->ReceivedTotal(), metrics_->PersistedTotal(),
                   metrics_->RejectedTotal());
    }
    if (commit_acks_) {
      commit_fanout_->Remove(commit_acks_.get());
      commit_acks_.reset();  // publishes the last commits' acknowledgements
    }
    if (nats_reporter_) nats_reporter_->ExpectClose();
    connection_.reset();
    nats_reporter_.reset();
    if (embedded_server_) {
      embedded_server_->Stop();
      embedded_server_.reset();
    }
    metrics_server_.reset();
    loadgen_metrics_.reset();
    commit_fanout_.reset();
    metrics_.reset();
    registry_.reset();
    readiness_.reset();
    nats_library_.reset();
    if (was_running) {
      spdlog::info("shutdown took {:.0f} ms", std::chrono::duration<double, std::milli>(
                                                  std::chrono::steady_clock::now() - started)
                                                  .count());
    }
  } catch (const std::exception& e) {
    spdlog::error("error during shutdown: {}", e.what());
  }
}

}  // namespace roseyd
