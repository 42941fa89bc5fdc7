#pragma once

#include <memory>
#include <string>
#include <vector>

namespace prometheus {
class Collectable;
class Exposer;
class Registry;
}  // namespace prometheus

namespace roseyd::metrics {

class ProcessCollector;
class Readiness;

// Serves GET /metrics on `listen` ("host:port"; port 0 picks a free one) for
// the given registry and the process collector, and, given a Readiness,
// GET /ready (and /healthz, the same answer): 200 "ready", or 503 "not
// ready: <reason>", one line of text/plain each, for health checks. Throws
// StartupError naming the address if it cannot bind, or if `listen` is not
// host:port. The registry is seen through a weak_ptr: the caller keeps it
// alive; *readiness must outlive the server.
//
// Thread: construct and destroy on one thread; requests run on civetweb's.
class MetricsServer {
 public:
  // `scraped`: collectables computed at each scrape, served beside the
  // registry (held, like it, through weak_ptr).
  MetricsServer(const std::string& listen, const std::shared_ptr<prometheus::Registry>& registry,
                const Readiness* readiness = nullptr,
                const std::vector<std::shared_ptr<prometheus::Collectable>>& scraped = {});
  ~MetricsServer();

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The bound "host:port", with the real port when 0 was asked for.
  std::string address() const { return address_; }

 private:
  // Declared before exposer_ so the exposer (and its scrape threads) go first.
  std::shared_ptr<ProcessCollector> process_collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::string address_;
  int port_ = 0;  // bound; the key of this server's readiness while it is served
};

}  // namespace roseyd::metrics
