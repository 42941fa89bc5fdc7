#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "store/event_writer.h"

namespace roseyd::loadgen {

// How long a service restart took, as the restart scenario reports it.
struct RestartTiming {
  std::chrono::steady_clock::time_point began;  // stop requested
  std::chrono::steady_clock::time_point ready;  // subscribed again, writer running
};

// The roseyd the load generator drives. In one process (roseyd run, roseyd
// bench) the daemon itself; a roseyd in another process through its commit
// acknowledgements (RemoteTarget). Everything the runner needs beyond NATS
// goes through here.
class BenchTarget {
 public:
  virtual ~BenchTarget() = default;

  virtual std::string NatsUrl() const = 0;
  virtual std::string SubjectPrefix() const = 0;  // "rosey.db"
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
