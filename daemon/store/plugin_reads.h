#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage_api/kv.h"
#include "storage_api/migration_tracking.h"
#include "storage_api/row_commands.h"
#include "storage_api/row_search.h"
#include "storage_api/schema_catalog.h"
#include "store/sql_session.h"

namespace roseyd::store {

// The plugin storage API's reads, on any SqlSession: what the Reader's
// plugin methods of every store run (SqliteReader's today). Times are Unix
// seconds; a key whose expires_at is not after `now` is gone already,
// whether or not the periodic purge has deleted it. Failures are the
// session's (see sql_session.h).

// The stored text of a live key; nullopt when there is none.
Status ReadKvValue(SqlSession* session, const storage_api::KvKey& key, int64_t now,
                   std::optional<std::string>* value_json);

// Live keys of the plugin with the prefix, in byte order, up to limit + 1
// (the extra one tells the reply it was truncated).
Status ReadKvKeys(SqlSession* session, const storage_api::KvList& list, int64_t now,
                  std::vector<std::string>* keys);

// The row `select` names; nullopt when there is none.
Status ReadRow(SqlSession* session, const storage_api::RowSelect& select,
               std::optional<storage_api::RowCells>* row);

// The rows of `search`, up to its limit + 1.
Status ReadRows(SqlSession* session, const storage_api::RowSearch& search,
                std::vector<storage_api::RowCells>* rows);

// The plugin's current migration version (0 if none applied) and every
// tracking row it has, by version.
Status ReadMigrations(SqlSession* session, std::string_view plugin, int64_t* current_version,
                      std::vector<storage_api::TrackingRow>* rows);

// The current version alone, and the versions whose row says 'applied'.
Status ReadCurrentVersion(SqlSession* session, std::string_view plugin, int64_t* version);
Status ReadAppliedVersions(SqlSession* session, std::string_view plugin,
                           std::vector<int64_t>* versions);

// Adds every registered table schema to *catalog (the original's cache, at
// start), in registration order, so that the first pair to spell a table
// name owns it. A stored schema that does not parse is skipped and counted
// (its pair still holds its table name). A pair that may not have its table
// (a service table, or a name an earlier pair holds: table_scope.h) is not
// added but remembered as refused, and listed in load->refused; nothing in
// the database changes. Pairs the catalog has already are left as they are.
Status LoadRegisteredSchemas(SqlSession* session, storage_api::SchemaCatalog* catalog,
                             storage_api::CatalogLoad* load);

// The registry's pairs in registration order (table_scope.h's registry).
Status ReadRegistryPairs(SqlSession* session, std::vector<storage_api::TablePair>* pairs);

}  // namespace roseyd::store
