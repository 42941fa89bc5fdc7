#include "config/config.h"

namespace roseyd {

std::string Config::DatabasePath() const {
  return store.path.empty() ? data_dir + "/rosey.db" : store.path;
}

std::string Config::NatsStoreDir() const {
  return nats.embedded.store_dir.empty() ? data_dir + "/nats" : nats.embedded.store_dir;
}

}  // namespace roseyd
