#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "bus/connection.h"
#include "store/event_writer.h"

namespace roseyd::loadgen {

// How long a service restart took, as the restart scenario reports it.
struct RestartTiming {
  std::chrono::steady_clock::time_point began;  // stop requested
  std::chrono::steady_clock::time_point ready;  // subscribed again, writer running
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
  // configured credentials and TLS, and NatsUrl().
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
};

}  // namespace roseyd::loadgen
