#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "store/event_writer.h"
#include "store/store.h"

namespace roseyd::store {

// The Store on the SQLite file at `path`: OpenWriter gives a SqliteWriter
// (`config`'s busy timeout and synchronous level; `stream` names the
// JetStream stream whose position the file keeps), OpenReader a read-only
// SqliteReader. Opens nothing itself, so it cannot fail.
std::unique_ptr<Store> OpenSqliteStore(const StoreConfig& config, const std::string& path,
                                       const std::string& stream = "ROSEY_DB");

// An EventWriter (not yet started) on the SQLite file at `path`, on the real
// clock: what the daemon and the tools use. Throws StartupError if the file
// cannot be opened, is read-only, is not a database or is corrupt.
// *listener must outlive the writer's Stop().
std::unique_ptr<EventWriter> OpenSqliteEventWriter(const StoreConfig& config,
                                                   const std::string& path,
                                                   CommitListener* listener,
                                                   const std::string& stream = "ROSEY_DB");

}  // namespace roseyd::store
