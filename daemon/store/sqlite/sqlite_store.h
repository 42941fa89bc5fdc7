#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "store/store.h"

namespace roseyd::store {

// The Store on the SQLite file at `path`: OpenWriter gives a SqliteWriter
// (`config`'s busy timeout and synchronous level; `stream` names the
// JetStream stream whose position the file keeps), OpenReader a read-only
// SqliteReader. Opens nothing itself, so it cannot fail.
std::unique_ptr<Store> OpenSqliteStore(const StoreConfig& config, const std::string& path,
                                       const std::string& stream = "ROSEY_DB");

}  // namespace roseyd::store
