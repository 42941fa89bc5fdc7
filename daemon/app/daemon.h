#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "config/config.h"

namespace prometheus {
class Registry;
}

namespace roseyd {

namespace bus {
class NatsLibrary;
class EmbeddedServer;
class Connection;
}  // namespace bus
namespace metrics {
class MetricsServer;
class Readiness;
}  // namespace metrics
namespace service {
class ServiceMetrics;
class ServiceHost;
class CommitAckPublisher;
}  // namespace service
namespace store {
class CommitFanout;
}  // namespace store
namespace loadgen {
class BenchTarget;
class BenchController;
class InProcessTarget;
class LoadgenMetrics;
}  // namespace loadgen

class NatsStateReporter;

// Builds roseyd's parts in dependency order, runs until told to stop, and
// takes them down in the order that loses nothing: stop intake, answer what
// is queued, commit everything received, close sessions, close the database,
// then NATS and the embedded server. It wires; it does not parse, write or
// publish.
//
// Thread: Start/Run/Shutdown on one thread; RequestStop from any thread.
// REQUIRES: BlockStopSignals() ran before any thread started, so that Run
// can wait for SIGINT and SIGTERM.
class Daemon {
 public:
  explicit Daemon(Config config);
  ~Daemon();  // Shutdown()

  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts every part. Throws StartupError naming the part and the cause.
  // With NATS unreachable it starts all the same, says so, and keeps trying
  // (/ready answers 503 until it connects).
  void Start();

  // Blocks until SIGINT/SIGTERM or RequestStop(), refreshing gauges each second.
  void Run();

  void RequestStop() { stop_requested_ = true; }

  // The load generator's view of this daemon (after Start), and its metrics.
  loadgen::BenchTarget* bench_target();
  loadgen::LoadgenMetrics* loadgen_metrics();

  // Graceful stop, as described above. Idempotent; never throws. After a
  // Start that threw, it releases what did start without the summary lines
  // of a run, so the start-up error stays the last thing said.
  void Shutdown() noexcept;

 private:
  // Starts the embedded nats-server when nats.url is empty; returns the URL
  // to connect to.
  std::string StartNats();
  void Connect(const std::string& url);
  void LogReady(std::chrono::steady_clock::time_point started) const;
  // Warns when service.plugins_dir is not a directory, or is unset while
  // service.storage_plugins names plugins (their migrate requests would find
  // nothing).
  void CheckPluginsDir() const;
  // The benchmark controller and its control subjects, when
  // bench.run_at_start or bench.control is on; then the start-up suite.
  void StartBenchControl();
  void StartBenchAtStart();

  const Config config_;
  std::atomic<bool> stop_requested_{false};
  bool started_ = false;  // Start() completed

  // Declared in construction order; Shutdown() resets them in reverse.
  std::unique_ptr<bus::NatsLibrary> nats_library_;
  std::unique_ptr<metrics::Readiness> readiness_;  // outlives every user: served by metrics_server_
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<service::ServiceMetrics> metrics_;
  std::unique_ptr<metrics::MetricsServer> metrics_server_;
  std::unique_ptr<store::CommitFanout> commit_fanout_;
  std::unique_ptr<loadgen::LoadgenMetrics> loadgen_metrics_;
  std::unique_ptr<service::ServiceHost> service_;
  std::unique_ptr<bus::EmbeddedServer> embedded_server_;
  std::unique_ptr<NatsStateReporter> nats_reporter_;
  std::unique_ptr<bus::Connection> connection_;
  std::unique_ptr<service::CommitAckPublisher> commit_acks_;  // on commit_fanout_ while it lives
  std::unique_ptr<loadgen::InProcessTarget> bench_target_;
  std::unique_ptr<loadgen::BenchController> bench_;
  std::string nats_url_;
};

}  // namespace roseyd
