#include "app/daemon.h"

#include <csignal>
#include <filesystem>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "base/build_info.h"
#include "base/startup_error.h"
#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/jetstream.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"
#include "metrics/metrics_server.h"
#include "service/commit_ack_publisher.h"
#include "service/database_service.h"
#include "service/service_metrics.h"
#include "store/commit_fanout.h"
#include "loadgen/bench_target.h"
#include "loadgen/controller.h"
#include "loadgen/loadgen_metrics.h"
#include "store/event_writer.h"
#include "store/sqlite/sqlite_store.h"

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

}  // namespace

// Logs NATS connection changes and mirrors them into the metrics.
class Daemon::NatsStateReporter : public bus::ConnectionListener {
 public:
  NatsStateReporter(service::ServiceMetrics* metrics, bool durable)
      : metrics_(metrics), durable_(durable) {}

  // Our own close also disconnects: that is not news.
  void ExpectClose() { closing_ = true; }

  void OnDisconnected() noexcept override {
    metrics_->SetNatsConnected(false);
    if (closing_) return;
    metrics_->NatsDisconnected();
    lost_at_ns_ = NowNs();
    spdlog::warn("NATS connection lost; reconnecting ({})",
                 durable_ ? "events published meanwhile wait in the stream"
                          : "events published meanwhile on core NATS are not delivered to roseyd");
  }
  void OnReconnected() noexcept override {
    metrics_->SetNatsConnected(true);
    metrics_->NatsReconnected();
    const double offline_s = static_cast<double>(NowNs() - lost_at_ns_.load()) / 1e9;
    if (durable_) {
      spdlog::info("NATS connection re-established after {:.2f} s offline; the stream's "
                   "events of that time follow",
                   offline_s);
    } else {
      spdlog::warn("NATS connection re-established after {:.2f} s offline; on core NATS, "
                   "events published in that time did not reach roseyd (service.durability: "
                   "jetstream keeps them)",
                   offline_s);
    }
  }
  void OnClosed() noexcept override { metrics_->SetNatsConnected(false); }
  void OnAsyncError(const Status& error) noexcept override {
    spdlog::error("NATS: {}", error.ToString());
  }

 private:
  static int64_t NowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

  service::ServiceMetrics* const metrics_;
  const bool durable_;
  std::atomic<bool> closing_{false};
  std::atomic<int64_t> lost_at_ns_{0};
};

// The daemon as the load generator sees it: this process's NATS URL,
// database, commit notifications, store API and a service restart.
class Daemon::BenchTargetImpl : public loadgen::BenchTarget {
 public:
  explicit BenchTargetImpl(Daemon* daemon) : daemon_(daemon) {}

  std::string NatsUrl() const override { return daemon_->nats_url_; }
  std::string SubjectPrefix() const override { return daemon_->config_.service.subject_prefix; }
  std::string DatabasePath() const override { return daemon_->config_.DatabasePath(); }
  bool ServiceInProcess() const override { return true; }
  void AddCommitListener(store::CommitListener* l) override { daemon_->commit_fanout_->Add(l); }
  void RemoveCommitListener(store::CommitListener* l) override {
    daemon_->commit_fanout_->Remove(l);
  }
  store::EventWriter* Writer() override { return daemon_->writer_.get(); }
  bool RestartService(loadgen::RestartTiming* timing, std::string* why,
                      const std::function<void()>& stopped,
                      const std::string& durability) override {
    try {
      daemon_->RestartService(timing, stopped, durability);
      return true;
    } catch (const std::exception& e) {
      *why = e.what();
      return false;
    }
  }

 private:
  Daemon* const daemon_;
};

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
  registry_ = std::make_shared<prometheus::Registry>();
  RegisterBuildInfo(registry_.get());
  metrics_ = std::make_unique<service::ServiceMetrics>(registry_.get());
  metrics_->SetWriteQueueCapacity(static_cast<double>(config_.store.write_queue_capacity));
  if (!config_.metrics.listen.empty()) {
    metrics_server_ = std::make_unique<metrics::MetricsServer>(config_.metrics.listen, registry_);
  }

  commit_fanout_ = std::make_unique<store::CommitFanout>(metrics_.get());
  loadgen_metrics_ = std::make_unique<loadgen::LoadgenMetrics>(registry_.get());
  // Opened before NATS so a bad database file stops start-up early.
  writer_ = store::OpenSqliteEventWriter(config_.store, config_.DatabasePath(),
                                         commit_fanout_.get(), config_.service.jetstream.stream);
  writer_->Start();

  std::string url = config_.nats.url;
  if (url.empty()) {
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
    url = embedded_server_->url();
    spdlog::info("embedded nats-server (pid {}) listening on {}; its log: {}",
                 embedded_server_->pid(), url, options.log_file);
  }

  nats_reporter_ = std::make_unique<NatsStateReporter>(
      metrics_.get(), config_.service.Durable());
  bus::ConnectionOptions options;
  options.url = url;
  options.name = config_.nats.name;
  options.reconnect_wait = config_.nats.reconnect_wait;
  options.reconnect_wait_max = config_.nats.reconnect_wait_max;
  options.connect_timeout = config_.nats.connect_timeout;
  const NatsAuthConfig& auth = config_.nats.auth;
  options.user = auth.user;
  options.password = auth.password;
  options.token = auth.token;
  options.credentials_file = auth.credentials_file;
  options.nkey = auth.nkey;
  options.nkey_seed_file = auth.nkey_seed_file;
  options.tls_ca_file = auth.tls_ca_file;
  options.tls_cert_file = auth.tls_cert_file;
  options.tls_key_file = auth.tls_key_file;
  // This connection publishes only replies: send each at once (about 0.15 ms
  // instead of about 1 ms round trip with cnats's batching flusher).
  options.send_asap = true;
  connection_ = std::make_unique<bus::Connection>(options, nats_reporter_.get());
  metrics_->SetNatsConnected(connection_->IsConnected());
  if (!connection_->IsConnected()) {
    spdlog::warn("NATS at {} is not reachable yet; roseyd keeps trying in the background",
                 bus::RedactUrl(url));
  }

  nats_url_ = url;
  if (!config_.service.commit_ack_subject.empty()) {
    // Before the service subscribes, so no traced event commits unacknowledged.
    commit_acks_ = std::make_unique<service::CommitAckPublisher>(
        connection_.get(), config_.service.commit_ack_subject);
    commit_fanout_->Add(commit_acks_.get());
    spdlog::info("commit acknowledgements for traced events on {}",
                 config_.service.commit_ack_subject);
  }
  service_ = std::make_unique<service::DatabaseService>(config_, connection_.get(), writer_.get(),
                                                        metrics_.get());
  service_->Start();
  bench_target_ = std::make_unique<BenchTargetImpl>(this);

  const auto ready_ms = std::chrono::duration<double, std::milli>(
                            std::chrono::steady_clock::now() - started).count();
  const std::string intake =
      config_.service.Durable()
          ? "events from stream " + config_.service.jetstream.stream + ", requests on " +
                config_.service.subject_prefix + ".*"
          : "subjects " + config_.service.subject_prefix + ".>";
  spdlog::info("roseyd {} ready in {:.1f} ms: NATS {} ({}, queue group '{}'), "
               "database {}, metrics {}",
               GetBuildInfo().version, ready_ms, bus::RedactUrl(url), intake,
               config_.service.queue_group, config_.DatabasePath(),
               metrics_server_ ? "http://" + metrics_server_->address() + "/metrics"
                               : std::string("off"));

  if (!config_.bench.run_at_start.empty() || config_.bench.control.enabled) {
    bench_ = std::make_unique<loadgen::BenchController>(config_, bench_target_.get(),
                                                        loadgen_metrics_.get(), connection_.get());
    bench_->StartControl();
  }
  if (!config_.bench.run_at_start.empty()) {
    loadgen::RunRequest request;
    request.suite = config_.bench.run_at_start;
    std::string why;
    bench_->Start(request, &why);
    spdlog::info("bench: running the {} suite against this roseyd now (bench.run_at_start); "
                 "report in {}, live figures on {}; roseyd keeps serving meanwhile",
                 request.suite, config_.BenchOutDir(),
                 metrics_server_ ? "http://" + metrics_server_->address() + "/metrics"
                                 : std::string("(metrics off)"));
  }
}

loadgen::BenchTarget* Daemon::bench_target() { return bench_target_.get(); }

loadgen::LoadgenMetrics* Daemon::loadgen_metrics() { return loadgen_metrics_.get(); }

// The writer and the service, started with `config` (which may differ from
// config_ in its service section, for the restart scenario).
void Daemon::StartService(const Config& config) {
  service_.reset();
  writer_.reset();
  writer_ = store::OpenSqliteEventWriter(config.store, config.DatabasePath(), commit_fanout_.get(),
                                         config.service.jetstream.stream);
  writer_->Start();
  service_ = std::make_unique<service::DatabaseService>(config, connection_.get(), writer_.get(),
                                                        metrics_.get());
  service_->Start();
}

void Daemon::RestartService(loadgen::RestartTiming* timing, const std::function<void()>& stopped,
                            const std::string& durability) {
  std::lock_guard<std::mutex> lock(service_mu_);
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
  timing->began = std::chrono::steady_clock::now();
  service_->StopIntake(config_.service.drain_timeout);
  service_->Stop();
  writer_->Stop();
  service_.reset();
  writer_.reset();
  spdlog::info("service stopped for a restart");
  if (stopped) stopped();
  if (config.service.durability == "core" && bench_stream_in_use_) {
    const Status s = bus::DeleteStream(connection_.get(), kBenchStream);
    if (!s.ok()) spdlog::warn("could not remove the benchmark's stream: {}", s.ToString());
    bench_stream_in_use_ = false;
  }
  try {
    StartService(config);
  } catch (const std::exception& e) {
    if (config.service.durability == config_.service.durability) throw;
    // The mode asked for cannot run here (no JetStream): carry on as configured.
    spdlog::error("service restart in {} mode failed ({}); restarting as configured",
                  config.service.durability, e.what());
    StartService(config_);
    throw;
  }
  bench_stream_in_use_ = config.service.jetstream.stream == kBenchStream &&
                         config.service.Durable();
  timing->ready = std::chrono::steady_clock::now();
  spdlog::info("service restarted in {:.1f} ms ({} NATS)",
               std::chrono::duration<double, std::milli>(timing->ready - timing->began).count(),
               config.service.durability);
}

void Daemon::Run() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  const timespec tick{0, 200'000'000};
  auto next_tick = std::chrono::steady_clock::now();
  while (!stop_requested_) {
    const int signal = sigtimedwait(&signals, nullptr, &tick);
    if (signal == SIGINT || signal == SIGTERM) {
      spdlog::info("received {}; shutting down gracefully", signal == SIGINT ? "SIGINT" : "SIGTERM");
      return;
    }
    if (std::chrono::steady_clock::now() >= next_tick) {
      std::lock_guard<std::mutex> lock(service_mu_);
      service_->Tick();
      metrics_->SetNatsConnected(connection_->IsConnected());
      next_tick += std::chrono::seconds(1);
    }
  }
}

void Daemon::Shutdown() noexcept {
  try {
    bench_.reset();  // cancels a run and waits for it, while the service still runs
    if (service_) {
      service_->StopIntake(config_.service.drain_timeout);  // everything received is queued
      service_->Stop();                     // queued requests answered
    }
    if (writer_) {
      const uint64_t submitted = writer_->LastSubmitted();
      writer_->Stop();  // commits the queue, closes open sessions
      spdlog::info("database closed after committing every received event (last sequence {})",
                   submitted);
    }
    service_.reset();
    writer_.reset();
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
    bench_target_.reset();
    metrics_server_.reset();
    loadgen_metrics_.reset();
    commit_fanout_.reset();
    metrics_.reset();
    registry_.reset();
    nats_library_.reset();
  } catch (const std::exception& e) {
    spdlog::error("error during shutdown: {}", e.what());
  }
}

}  // namespace roseyd
