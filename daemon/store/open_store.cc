#include "store/open_store.h"

#include "store/postgres/pg_store.h"
#include "store/sqlite/sqlite_store.h"

namespace roseyd::store {

std::unique_ptr<Store> OpenStore(const Config& config) {
  const std::string& stream = config.service.jetstream.stream;
  if (!config.store.url.empty()) return OpenPostgresStore(config.store.url, stream);
  return OpenSqliteStore(config.store, config.DatabasePath(), stream);
}

}  // namespace roseyd::store
