#include "loadgen/in_process_replicas.h"

#include <chrono>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

namespace roseyd::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

// A follower tries for the claim every ServiceHost::kClaimInterval; the
// first instance takes it at its first write or check. Ten times the issue's
// goal before calling a failover failed.
constexpr std::chrono::seconds kLeaderWait{10};
constexpr std::chrono::milliseconds kPoll{1};

Config ReplicaConfig(const Config& bench, const std::string& schema_url) {
  Config config = bench;
  config.store.url = schema_url;
  config.store.path.clear();
  config.service.durability = "jetstream";
  return config;
}

}  // namespace

InProcessReplicas::InProcessReplicas(const Config& bench, int count,
                                     const bus::ConnectionOptions& client,
                                     bus::ConnectionListener* nats_errors,
                                     store::CommitListener* listener,
                                     service::ServiceMetrics* metrics,
                                     std::function<void()> on_end)
    : schema_(store::OpenBenchSchema(bench.bench.store_url)),
      config_(ReplicaConfig(bench, schema_->url())),
      on_end_(std::move(on_end)) {
  try {
    for (int i = 0; i < count; ++i) {
      StartInstance(i, client, nats_errors, listener, metrics);
      // The first leads: wait for its claim before the others start.
      if (i == 0) {
        const Clock::time_point deadline = Clock::now() + kLeaderWait;
        while (Leader() != 0 && Clock::now() < deadline) std::this_thread::sleep_for(kPoll);
        if (Leader() != 0) {
          throw std::runtime_error("the first instance did not take the writer's claim in " +
                                   std::to_string(kLeaderWait.count()) + " s");
        }
      }
    }
  } catch (const std::exception& e) {
    StopAll();  // on_end_ is the caller's to run when construction fails
    throw std::runtime_error(std::string("cannot start the instances on ") +
                             schema_->redacted_url() + ": " + e.what());
  }
  spdlog::info("bench: {} service instances on {} (schema {}), durable; instance 0 leads", count,
               schema_->redacted_url(), schema_->name());
}

InProcessReplicas::~InProcessReplicas() {
  StopAll();
  on_end_();
}

void InProcessReplicas::StartInstance(int i, const bus::ConnectionOptions& client,
                                      bus::ConnectionListener* nats_errors,
                                      store::CommitListener* listener,
                                      service::ServiceMetrics* metrics) {
  Instance instance;
  bus::ConnectionOptions options = client;
  options.name = config_.nats.name + "-" + std::to_string(i);
  options.send_asap = true;
  options.retry_on_failed_connect = false;
  instance.connection = std::make_unique<bus::Connection>(options, nats_errors);
  instance.host = std::make_unique<service::ServiceHost>(listener, metrics);
  instances_.push_back(std::move(instance));
  instances_.back().host->Open(config_);
  instances_.back().host->Start(instances_.back().connection.get());
}

int InProcessReplicas::Leader() {
  for (size_t i = 0; i < instances_.size(); ++i) {
    if (instances_[i].host && instances_[i].host->leader()) return static_cast<int>(i);
  }
  return -1;
}

FailoverTiming InProcessReplicas::StopLeader(const std::function<void()>& stopped) {
  const int leader = Leader();
  if (leader < 0) throw std::runtime_error("no instance leads");
  FailoverTiming timing;
  timing.began = Clock::now();
  instances_[leader].host->Stop();
  instances_[leader].host.reset();  // as a stopped roseyd: it takes no claim again
  timing.stopped = Clock::now();
  spdlog::info("bench: stopped the leading instance {} in {:.1f} ms", leader,
               std::chrono::duration<double, std::milli>(timing.stopped - timing.began).count());
  if (stopped) stopped();
  const Clock::time_point deadline = Clock::now() + kLeaderWait;
  while (Leader() < 0 && Clock::now() < deadline) std::this_thread::sleep_for(kPoll);
  if (Leader() >= 0) timing.taken_over = Clock::now();
  return timing;
}

Status InProcessReplicas::ChatRows(std::string_view username_prefix, int64_t* rows,
                                   int64_t* distinct) {
  return schema_->ChatRows(username_prefix, rows, distinct);
}

std::string InProcessReplicas::Describe() const {
  return schema_->redacted_url() + " (schema " + schema_->name() + ")";
}

void InProcessReplicas::StopAll() noexcept {
  // Followers first, so that none takes over from the leader as it stops.
  const int leader = Leader();
  for (size_t i = 0; i < instances_.size(); ++i) {
    if (static_cast<int>(i) != leader && instances_[i].host) instances_[i].host->Stop();
  }
  if (leader >= 0) instances_[leader].host->Stop();
  instances_.clear();  // hosts before their connections
}

}  // namespace roseyd::loadgen
