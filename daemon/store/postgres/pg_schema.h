#pragma once

#include <cstdint>

#include "store/postgres/pg_connection.h"

namespace roseyd::store {

// Readies a PostgreSQL database for roseyd: creates Rosey's tables and
// indexes where they are missing (its SQLAlchemy models as create_all
// renders them for PostgreSQL: SERIAL ids, BOOLEAN, VARCHAR(n), the CHECK
// constraints), the plugin storage API's tables (plugin_kv_storage,
// plugin_table_schemas, plugin_schema_migrations) and roseyd_meta; seeds
// the single rows of channel_stats and current_status when absent (Rosey
// itself does not); records `now` (Unix seconds) as the last open; then
// checks that every column the protocol uses is there with a usable type,
// so that a foreign layout (an older Rosey migration, say) stops start-up
// instead of failing event by event.
//
// A database Rosey made is served in place: nothing is renamed or dropped.
// Runs in one transaction under an advisory lock, so that several roseyd
// starting together do not race to create the same table.
// Throws StartupError naming the (redacted) database and the problem.
// REQUIRES: *conn is connected.
void CreatePgSchema(PgConnection* conn, int64_t now);

}  // namespace roseyd::store
