#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bus/connection.h"
#include "config/config.h"
#include "loadgen/bench_target.h"
#include "service/service_host.h"
#include "service/service_metrics.h"
#include "store/bench_store.h"
#include "writer/commit_fanout.h"

namespace roseyd::loadgen {

// The failover scenario's instances in this process (InProcessTarget's
// ReplicaSet): `count` ServiceHosts, each on a NATS connection of its own
// as separate roseyd would be, all on the benchmark's own subjects, in
// durable mode on one stream, and on one PostgreSQL store: a schema of the
// benchmark's own in bench.store_url (store::BenchSchema). The first
// leads; the others follow. Their commits reach `listener` (the target's
// fanout), so the scenario follows them as any other.
//
// The caller has stopped its own instance and removed the stream it used;
// `on_end` runs after these instances stopped, when this object dies (it
// removes their stream and starts the caller's own instance again); not
// when the constructor throws.
//
// Thread: StopLeader and ChatRows from the scenario's threads, one at a time.
class InProcessReplicas : public ReplicaSet {
 public:
  // `bench` is the target's instance config; `client` its connection options.
  // Throws std::runtime_error (the reason) when they cannot start.
  InProcessReplicas(const Config& bench, int count, const bus::ConnectionOptions& client,
                    bus::ConnectionListener* nats_errors, store::CommitListener* listener,
                    service::ServiceMetrics* metrics, std::function<void()> on_end);
  ~InProcessReplicas() override;

  InProcessReplicas(const InProcessReplicas&) = delete;
  InProcessReplicas& operator=(const InProcessReplicas&) = delete;

  FailoverTiming StopLeader(const std::function<void()>& stopped) override;
  Status ChatRows(std::string_view username_prefix, int64_t* rows, int64_t* distinct) override;
  std::string Describe() const override;

 private:
  struct Instance {
    std::unique_ptr<bus::Connection> connection;
    std::unique_ptr<service::ServiceHost> host;  // stops before its connection closes
  };
  // Starts instance `i` on config_. Throws StartupError.
  void StartInstance(int i, const bus::ConnectionOptions& client,
                     bus::ConnectionListener* nats_errors, store::CommitListener* listener,
                     service::ServiceMetrics* metrics);
  // The index of the instance that leads now, or -1.
  int Leader();
  void StopAll() noexcept;

  std::unique_ptr<store::BenchSchema> schema_;
  const Config config_;  // the instances': the schema's URL, durable
  const std::function<void()> on_end_;
  std::vector<Instance> instances_;
};

}  // namespace roseyd::loadgen
