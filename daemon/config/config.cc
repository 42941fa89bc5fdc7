#include "config/config.h"

#include "config/store_url.h"

namespace roseyd {

std::string Config::DatabasePath() const {
  if (!store.url.empty()) return "";
  return store.path.empty() ? data_dir + "/rosey.db" : store.path;
}

// Beside the SQLite file; on PostgreSQL, in data_dir: the store is elsewhere.
std::string Config::PendingEventsPath() const {
  return (store.url.empty() ? DatabasePath() : data_dir + "/postgres") + ".pending";
}

std::string Config::StoreDescription() const {
  return store.url.empty() ? DatabasePath() : RedactStoreUrl(store.url);
}

std::string Config::NatsStoreDir() const {
  return nats.embedded.store_dir.empty() ? data_dir + "/nats" : nats.embedded.store_dir;
}

std::string Config::BenchOutDir() const {
  return bench.out_dir.empty() ? data_dir + "/bench" : bench.out_dir;
}

std::string Config::BenchScratchDir() const { return data_dir + "/bench/scratch"; }

}  // namespace roseyd
