#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

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
}
namespace service {
class ServiceMetrics;
class DatabaseService;
class CommitAckPublisher;
}  // namespace service
namespace store {
class EventWriter;
class CommitFanout;
}  // namespace store
namespace loadgen {
class BenchTarget;
class BenchController;
class LoadgenMetrics;
struct RestartTiming;
}  // namespace loadgen

// Builds roseyd's parts in dependency order, runs until told to stop, and
// takes them down in the order that loses nothing: stop intake, answer what
// is queued, commit everything received, close sessions, close the database,
// then NATS and the embedded server. It wires; it does not parse, write or
// publish.
//
// Thread: Start/Run/Shutdown on one thread; RequestStop from any thread.
// REQUIRES: SIGINT and SIGTERM are blocked in every thread (main does it
// before anything starts a thread), so that Run can wait for them.
class Daemon {
 public:
  explicit Daemon(Config config);
  ~Daemon();  // Shutdown()

  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts every part. Throws StartupError naming the part and the cause.
  void Start();

  // Blocks until SIGINT/SIGTERM or RequestStop(), refreshing gauges each second.
  void Run();

  void RequestStop() { stop_requested_ = true; }

  // The load generator's view of this daemon (after Start), and its metrics.
  loadgen::BenchTarget* bench_target();
  loadgen::LoadgenMetrics* loadgen_metrics();

  // Stops the service and the writer (committing what they hold) and starts
  // them again, as the restart scenario needs; `stopped` runs in between.
  // `durability` ("core", "jetstream", or "" for the configured one) is the
  // restarted service's; a switch to jetstream uses the stream kBenchStream.
  void RestartService(loadgen::RestartTiming* timing, const std::function<void()>& stopped,
                      const std::string& durability = "");

  static constexpr const char* kBenchStream = "ROSEYD_BENCH";

  // Graceful stop, as described above. Idempotent; never throws.
  void Shutdown() noexcept;

 private:
  class NatsStateReporter;
  void StartService(const Config& config);
  class BenchTargetImpl;

  const Config config_;
  std::atomic<bool> stop_requested_{false};

  // Declared in construction order; Shutdown() resets them in reverse.
  std::unique_ptr<bus::NatsLibrary> nats_library_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<service::ServiceMetrics> metrics_;
  std::unique_ptr<store::CommitFanout> commit_fanout_;
  std::unique_ptr<metrics::MetricsServer> metrics_server_;
  std::unique_ptr<store::EventWriter> writer_;
  std::unique_ptr<bus::EmbeddedServer> embedded_server_;
  std::unique_ptr<NatsStateReporter> nats_reporter_;
  std::unique_ptr<bus::Connection> connection_;
  std::unique_ptr<service::CommitAckPublisher> commit_acks_;  // on commit_fanout_ while it lives
  std::unique_ptr<service::DatabaseService> service_;
  std::unique_ptr<loadgen::LoadgenMetrics> loadgen_metrics_;
  std::unique_ptr<BenchTargetImpl> bench_target_;
  std::unique_ptr<loadgen::BenchController> bench_;
  // Serialises RestartService with the once-a-second Tick in Run.
  std::mutex service_mu_;
  bool bench_stream_in_use_ = false;  // under service_mu_
  std::string nats_url_;
};

}  // namespace roseyd
