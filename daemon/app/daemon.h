#pragma once

#include <atomic>
#include <memory>

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
}  // namespace service
namespace store {
class EventWriter;
class CommitFanout;
}

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

  // Graceful stop, as described above. Idempotent; never throws.
  void Shutdown() noexcept;

 private:
  class NatsStateReporter;

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
  std::unique_ptr<service::DatabaseService> service_;
};

}  // namespace roseyd
