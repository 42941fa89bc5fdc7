#include "store/open_store.h"

#include "store/sqlite/sqlite_store.h"

namespace roseyd::store {

std::unique_ptr<Store> OpenStore(const Config& config) {
  return OpenSqliteStore(config.store, config.DatabasePath(), config.service.jetstream.stream);
}

}  // namespace roseyd::store
