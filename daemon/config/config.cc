#include "config/config.h"

#include "config/store_url.h"

namespace roseyd {

std::string Config::DatabasePath() const {
  if (!store.url.empty()) return "";
  return store.path.empty() ? data_dir + "/rosey.db" : store.path;
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

}  // namespace roseyd
