#pragma once

#include "base/status.h"

namespace roseyd::store {

// What the PostgreSQL store answers to the plugin storage API (rosey.db.kv,
// row, migrate) for now: its tables and a SqlSession for the shared
// statements (store/plugin_writes.h, plugin_reads.h) are still to come.
// The request gets the API's error reply; the log says why.
inline Status PluginStorageUnavailable() {
  return Status::Unavailable(
      "the plugin storage API (kv, row, migrate) is not available on PostgreSQL yet; "
      "it is on SQLite (store.path)");
}

}  // namespace roseyd::store
