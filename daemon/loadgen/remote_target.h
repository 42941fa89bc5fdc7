#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "bus/connection.h"
#include "loadgen/bench_target.h"
#include "loadgen/nats_error_log.h"

namespace roseyd::bus {
class Subscription;
}  // namespace roseyd::bus

namespace roseyd::loadgen {

struct RemoteTargetOptions {
  std::string nats_url;                    // where the running roseyd listens
  // Credentials and TLS for every connection the load generator makes
  // (url, name, send-asap and retry are set per connection).
  bus::ConnectionOptions connection;
  std::string subject_prefix = "rosey.db";  // its service.subject_prefix
  std::string ack_subject = "roseyd.commits";  // its service.commit_ack_subject
  std::string database_path;  // its SQLite file when readable from here; may be empty
  std::string config_used;    // what the report shows as the config (this side's)
};

// A commit acknowledgement parsed (service::FormatCommitAck's format).
// Returns false, leaving *committed and *rejected in an unspecified state,
// when `data` is not one.
bool ParseCommitAck(std::string_view data, std::vector<uint64_t>* committed,
                    std::vector<uint64_t>* rejected);

// A roseyd in another process, driven over NATS: it must publish commit
// acknowledgements (service.commit_ack_subject), which become the commit
// notifications the runner follows every event to. Latency therefore runs
// to the acknowledgement's arrival here, a NATS hop after the commit. The
// store API, the service's CPU and memory, and restarts are out of reach.
//
// Thread: thread-safe; commit listeners are called on the acknowledgement
// subscription's cnats thread. Once RemoveCommitListener(l) returns, *l is
// not called again.
class RemoteTarget : public BenchTarget {
 public:
  // Connects and subscribes to the acknowledgements. Throws StartupError
  // when the server cannot be reached.
  explicit RemoteTarget(RemoteTargetOptions options);
  ~RemoteTarget() override;

  RemoteTarget(const RemoteTarget&) = delete;
  RemoteTarget& operator=(const RemoteTarget&) = delete;

  std::string NatsUrl() const override { return options_.nats_url; }
  bus::ConnectionOptions ClientOptions() const override;
  std::string SubjectPrefix() const override { return options_.subject_prefix; }
  std::string ConfigUsed() const override;
  std::string TakeNatsErrors() override { return nats_errors_.TakeSummary(); }
  std::string DatabasePath() const override { return options_.database_path; }
  bool ServiceInProcess() const override { return false; }
  void AddCommitListener(store::CommitListener* listener) override EXCLUDES(mu_);
  void RemoveCommitListener(store::CommitListener* listener) override EXCLUDES(mu_);
  store::EventWriter* Writer() override { return nullptr; }
  // Always false: the service runs in another process.
  bool RestartService(RestartTiming* timing, std::string* why,
                      const std::function<void()>& stopped,
                      const std::string& durability) override;
  // Always throws: the service runs in another process.
  std::unique_ptr<ReplicaSet> StartReplicas(int count) override;

  // Acknowledgement messages received, and those that did not parse.
  uint64_t Acks() const { return acks_.load(); }
  uint64_t MalformedAcks() const { return malformed_.load(); }

  // True if an acknowledgement arrives within `timeout` of a traced probe
  // event (a user.joined of a bench user) published now: the service is up
  // and acknowledging on options.ack_subject. *why says what is missing.
  bool Probe(std::chrono::milliseconds timeout, std::string* why);

 private:
  void OnAck(const bus::Message& message) EXCLUDES(mu_);

  const RemoteTargetOptions options_;
  std::atomic<uint64_t> acks_{0};
  std::atomic<uint64_t> malformed_{0};
  // Held while calling the listeners, so Remove waits out a call in progress.
  Mutex mu_;
  std::vector<store::CommitListener*> listeners_ GUARDED_BY(mu_);
  // Confined to the ack thread; kept to reuse their capacity.
  std::vector<uint64_t> committed_ids_, rejected_ids_;
  std::vector<store::Event> events_;
  NatsErrorLog nats_errors_{"the acknowledgement subscription"};  // outlives connection_
  std::unique_ptr<bus::Connection> connection_;
  std::unique_ptr<bus::Subscription> subscription_;  // last: goes first
};

}  // namespace roseyd::loadgen
