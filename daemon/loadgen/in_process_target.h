#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <prometheus/registry.h>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "bus/connection.h"
#include "config/config.h"
#include "loadgen/bench_target.h"
#include "loadgen/nats_error_log.h"
#include "service/service_host.h"
#include "service/service_metrics.h"
#include "writer/commit_fanout.h"

namespace roseyd::loadgen {

// A service instance of the load generator's own, in this process (roseyd
// run, roseyd bench), on the same NATS server as the bot's service: the
// same code path (NATS, decode, writer, store) with the config of
// BenchServiceConfig: its own subjects and queue group, a scratch database,
// its own connection (the bot's credentials and TLS), and its metrics in a
// registry of its own that is never served, so the bot's roseyd_events_* and
// roseyd_requests_* series count only the bot's traffic. Restarts restart
// this instance, never the bot's service.
//
// BeginRun empties the scratch folder and starts the instance; EndRun stops
// it, deletes its stream if it used one, and removes the folder.
//
// A restart stops the instance (committing what it holds), runs the
// caller's `stopped`, and opens and starts it again, in durable mode on
// kBenchStream for "jetstream"; that stream is deleted when a later restart
// returns to core NATS, or at EndRun. If the asked-for mode cannot start (no
// JetStream), the instance comes back in its own mode and the restart
// reports the failure.
//
// Thread: thread-safe; BeginRun, EndRun and restarts are serialised.
class InProcessTarget : public BenchTarget {
 public:
  // `config` is the daemon's own; `client` holds its NATS credentials and
  // TLS, and `nats_url` is the server its connection uses.
  InProcessTarget(const Config& config, std::string nats_url, bus::ConnectionOptions client);
  ~InProcessTarget() override;  // as EndRun()

  InProcessTarget(const InProcessTarget&) = delete;
  InProcessTarget& operator=(const InProcessTarget&) = delete;

  // Throws StartupError when the instance cannot start.
  void BeginRun() override EXCLUDES(mu_);
  void EndRun() noexcept override EXCLUDES(mu_);

  std::string NatsUrl() const override { return nats_url_; }
  bus::ConnectionOptions ClientOptions() const override;
  std::string SubjectPrefix() const override { return config_.service.subject_prefix; }
  std::string BotSubjectPrefix() const override { return bot_prefix_; }
  std::string ConfigUsed() const override;
  std::string TakeNatsErrors() override { return nats_errors_.TakeSummary(); }
  // "" while replicas run: their store is PostgreSQL, counted through them.
  std::string DatabasePath() const override {
    return replicas_running_ ? "" : config_.DatabasePath();
  }
  bool ServiceInProcess() const override { return true; }
  std::string BenchStoreUrl() const override { return config_.bench.store_url; }
  void AddCommitListener(store::CommitListener* listener) override { fanout_.Add(listener); }
  void RemoveCommitListener(store::CommitListener* listener) override {
    fanout_.Remove(listener);
  }
  store::EventWriter* Writer() override EXCLUDES(mu_);
  bool RestartService(RestartTiming* timing, std::string* why,
                      const std::function<void()>& stopped,
                      const std::string& durability) override EXCLUDES(mu_);
  // InProcessReplicas on bench.store_url; the instance stops meanwhile and
  // runs again, in its own mode, when they are destroyed.
  std::unique_ptr<ReplicaSet> StartReplicas(int count) override EXCLUDES(mu_);

  // The instance's config (BenchServiceConfig of the daemon's).
  const Config& config() const { return config_; }

 private:
  // The restart itself; throws what the new instance's start-up threw.
  void Restart(const Config& config, RestartTiming* timing,
               const std::function<void()>& stopped) REQUIRES(mu_);
  // Opens and starts the host with `config`. Throws StartupError.
  void StartHost(const Config& config) REQUIRES(mu_);
  // Stops the instance and removes what it left: its stream, its folder.
  void StopInstance() noexcept REQUIRES(mu_);
  // Removes kBenchStream when an instance used it.
  void RemoveStream() noexcept REQUIRES(mu_);
  // After the replicas: their stream goes, and the instance runs again.
  void EndReplicas() noexcept EXCLUDES(mu_);

  // Constant after construction.
  const Config config_;
  const std::string bot_prefix_;
  const std::string nats_url_;
  const bus::ConnectionOptions client_;
  prometheus::Registry registry_;  // the instance's metrics: never served
  service::ServiceMetrics metrics_;
  store::CommitFanout fanout_;
  NatsErrorLog nats_errors_{"the benchmark's service instance"};  // outlives connection_

  Mutex mu_;
  // Declared in start order: the host stops before its connection closes.
  std::unique_ptr<bus::Connection> connection_ GUARDED_BY(mu_);
  std::unique_ptr<service::ServiceHost> host_ GUARDED_BY(mu_);
  bool stream_in_use_ GUARDED_BY(mu_) = false;
  std::atomic<bool> replicas_running_{false};
};

}  // namespace roseyd::loadgen
