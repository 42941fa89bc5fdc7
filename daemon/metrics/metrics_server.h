#pragma once

#include <memory>
#include <string>

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace roseyd::metrics {

class ProcessCollector;

// Serves GET /metrics on `listen` ("host:port"; port 0 picks a free one) for
// the given registry and the process collector. Throws StartupError naming
// the address if it cannot bind, or if `listen` is not host:port. The
// registry is seen through a weak_ptr: the caller keeps it alive.
//
// Thread: construct and destroy on one thread; scrapes run on civetweb's.
class MetricsServer {
 public:
  MetricsServer(const std::string& listen, const std::shared_ptr<prometheus::Registry>& registry);
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
};

}  // namespace roseyd::metrics
