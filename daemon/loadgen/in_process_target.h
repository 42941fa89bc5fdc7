#pragma once

#include <functional>
#include <string>

#include "base/mutex.h"
#include "bus/connection.h"
#include "config/config.h"
#include "loadgen/bench_target.h"
#include "service/service_host.h"
#include "store/commit_fanout.h"

namespace roseyd::loadgen {

// The service running in this process (roseyd run, roseyd bench), as the
// load generator drives it: this process's NATS URL and database, commit
// notifications through the CommitFanout, the writer for the store API, and
// a service restart.
//
// A restart stops the ServiceHost (committing what it holds), runs the
// caller's `stopped`, and opens and starts it again; "jetstream" on a daemon
// configured for core NATS reads from a stream of the benchmark's own,
// kBenchStream, deleted when a later restart returns to core NATS. If the
// asked-for mode cannot start (no JetStream), the service comes back as
// configured and the restart reports the failure.
//
// Thread: thread-safe; restarts are serialised. *connection, *fanout and
// *host must outlive it.
class InProcessTarget : public BenchTarget {
 public:
  static constexpr const char* kBenchStream = "ROSEYD_BENCH";

  // `config` is the daemon's own; `nats_url` the server its connection uses.
  InProcessTarget(const Config& config, std::string nats_url, bus::Connection* connection,
                  store::CommitFanout* fanout, service::ServiceHost* host);

  std::string NatsUrl() const override { return nats_url_; }
  std::string SubjectPrefix() const override { return config_.service.subject_prefix; }
  std::string DatabasePath() const override { return config_.DatabasePath(); }
  bool ServiceInProcess() const override { return true; }
  void AddCommitListener(store::CommitListener* listener) override { fanout_->Add(listener); }
  void RemoveCommitListener(store::CommitListener* listener) override {
    fanout_->Remove(listener);
  }
  store::EventWriter* Writer() override { return host_->writer(); }
  bool RestartService(RestartTiming* timing, std::string* why,
                      const std::function<void()>& stopped,
                      const std::string& durability) override;

 private:
  // The restart itself; throws what the new service's start-up threw.
  void Restart(const Config& config, RestartTiming* timing,
               const std::function<void()>& stopped) REQUIRES(mu_);
  // Opens and starts the host with `config`. Throws StartupError.
  void StartHost(const Config& config);

  // Constant after construction.
  const Config config_;
  const std::string nats_url_;
  bus::Connection* const connection_;
  store::CommitFanout* const fanout_;
  service::ServiceHost* const host_;

  Mutex mu_;
  bool bench_stream_in_use_ GUARDED_BY(mu_) = false;
};

}  // namespace roseyd::loadgen
