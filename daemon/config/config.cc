#include "config/config.h"

namespace roseyd {

std::string Config::DatabasePath() const {
  return store.path.empty() ? data_dir + "/rosey.db" : store.path;
}

std::string Config::PendingEventsPath() const { return DatabasePath() + ".pending"; }

std::string Config::NatsStoreDir() const {
  return nats.embedded.store_dir.empty() ? data_dir + "/nats" : nats.embedded.store_dir;
}

std::string Config::BenchOutDir() const {
  return bench.out_dir.empty() ? data_dir + "/bench" : bench.out_dir;
}

std::string Config::BenchScratchDir() const { return data_dir + "/bench/scratch"; }

}  // namespace roseyd
