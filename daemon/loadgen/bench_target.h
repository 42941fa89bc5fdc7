#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

#include "bus/connection.h"
#include "writer/event_writer.h"

namespace roseyd::loadgen {

// How long a service restart took, as the restart scenario reports it.
struct RestartTiming {
  std::chrono::steady_clock::time_point began;  // stop requested
  std::chrono::steady_clock::time_point ready;  // subscribed again, writer running
};

// How the failover scenario's leader went, as ReplicaSet::StopLeader saw it.
struct FailoverTiming {
  std::chrono::steady_clock::time_point began;       // the leader's stop requested
  std::chrono::steady_clock::time_point stopped;     // the leader down, its claim given up
  std::chrono::steady_clock::time_point taken_over;  // another leads; the epoch if none did
};

// Service instances of the load generator's own on one shared store (a
// PostgreSQL database), in durable mode, as several roseyd run: one leads
// (writes), the others follow and take over when it goes. For the failover
// scenario; while it lives they replace the target's own instance, which
// runs again once it is destroyed.
class ReplicaSet {
 public:
  virtual ~ReplicaSet() = default;

  // Stops the leader as SIGTERM stops a roseyd (it commits what it holds
  // and gives up its claim), calls `stopped` once it is down, then waits
  // (up to 10 s) for another instance to lead. Throws std::runtime_error
  // when no instance leads.
  virtual FailoverTiming StopLeader(const std::function<void()>& stopped) = 0;
  // recent_chat rows of users whose name starts with `username_prefix`,
  // and the distinct (username, message) pairs among them: each line once
  // when they are equal.
  virtual Status ChatRows(std::string_view username_prefix, int64_t* rows, int64_t* distinct) = 0;
  // The store, for the report (its password as ***).
  virtual std::string Describe() const = 0;
};

// The roseyd the load generator drives. In one process (roseyd run, roseyd
// bench) a service instance of the load generator's own, on its own
// subjects and scratch database (InProcessTarget); a roseyd in another
// process through its commit acknowledgements (RemoteTarget). Everything the
// runner needs beyond NATS goes through here.
class BenchTarget {
 public:
  virtual ~BenchTarget() = default;

  // Called by the runner before the first scenario of a run, and after the
  // last (whatever happened). BeginRun throws std::exception, with the
  // reason, when the target cannot run.
  virtual void BeginRun() {}
  virtual void EndRun() noexcept {}

  virtual std::string NatsUrl() const = 0;
  // Options for the load generator's own connections (bots, probes): the
  // configured credentials and TLS, and NatsUrl(); quiet (their connection
  // lines at debug: a scenario opens one per simulated bot).
  virtual bus::ConnectionOptions ClientOptions() const = 0;
  virtual std::string SubjectPrefix() const = 0;  // of the service driven
  // The subject prefix of a bot's service that keeps serving beside the
  // run, whose latency the runner probes with read-only requests; "" when
  // there is none to probe.
  virtual std::string BotSubjectPrefix() const { return ""; }
  // The config of the service driven, as the report's "Config used" shows
  // it (secrets as ***), or what is known of it.
  virtual std::string ConfigUsed() const = 0;
  // What NATS refused or dropped on the target's own connections since the
  // last call, or since BeginRun ("" when nothing), for the scenario's note.
  virtual std::string TakeNatsErrors() { return ""; }
  // The service's SQLite file, read to count persisted rows; empty when it
  // cannot be read from here (persisted then comes from commit notifications).
  virtual std::string DatabasePath() const = 0;
  // True when the service runs in this process: only then are this
  // process's CPU and RSS the service's, and can it be restarted from here.
  virtual bool ServiceInProcess() const = 0;
  // bench.store_url: a PostgreSQL database the benchmark may work in (a
  // schema of its own); "" when there is none.
  virtual std::string BenchStoreUrl() const { return ""; }

  // Commit notifications for traced events (store::Event::trace_id): each
  // OnCommitted batch carries the events' trace ids (other fields may be
  // empty); OnRejected reports traced events the store refused.
  virtual void AddCommitListener(store::CommitListener* listener) = 0;
  virtual void RemoveCommitListener(store::CommitListener* listener) = 0;

  // The store API, for the cpu_overhead comparison; nullptr when not in
  // this process.
  virtual store::EventWriter* Writer() = 0;

  // Stops and starts the service (subscription, writer, request workers),
  // calling `stopped` in between (when set). The restarted service runs with
  // `durability` ("core" or "jetstream"; "" is the daemon's own setting).
  // Returns false, with *why, when this target cannot.
  virtual bool RestartService(RestartTiming* timing, std::string* why,
                              const std::function<void()>& stopped,
                              const std::string& durability) = 0;

  // `count` instances on bench.store_url in place of the service, the
  // first of them leading. Throws std::runtime_error with the reason when
  // this target cannot (none configured, no JetStream, not in this process).
  virtual std::unique_ptr<ReplicaSet> StartReplicas(int count) = 0;
};

}  // namespace roseyd::loadgen
