#include "writer/sqlite_event_writer.h"

#include "store/sqlite/sqlite_store.h"

namespace roseyd::store {

std::unique_ptr<EventWriter> OpenSqliteEventWriter(const StoreConfig& config,
                                                   const std::string& path,
                                                   CommitListener* listener,
                                                   const std::string& stream) {
  return std::make_unique<EventWriter>(OpenSqliteStore(config, path, stream)->OpenWriter(), config,
                                       listener);
}

}  // namespace roseyd::store
