#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "writer/event_writer.h"

namespace roseyd::store {

// An EventWriter (not yet started) on the SQLite file at `path`, on the real
// clock: the tests' shortcut (the daemon opens its store through OpenStore,
// store/open_store.h, and the writer over it). Throws StartupError if the file
// cannot be opened, is read-only, is not a database or is corrupt.
// *listener must outlive the writer's Stop().
std::unique_ptr<EventWriter> OpenSqliteEventWriter(const StoreConfig& config,
                                                   const std::string& path,
                                                   CommitListener* listener,
                                                   const std::string& stream = "ROSEY_DB");

}  // namespace roseyd::store
