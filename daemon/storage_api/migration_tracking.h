#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage_api/migration_files.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// plugin_schema_migrations, the record of which migrations ran, and
// rosey.db.migrate.<plugin>.status, which reports it (the original never
// reads status's body, so it has no decoder). current_version is
// MAX(version) of the plugin's 'applied' rows, 0 when none or when the
// table does not exist yet.

// A row of plugin_schema_migrations, as TrackingRowsStatement returns them.
struct TrackingRow {
  int64_t version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;  // stored text, "YYYY-MM-DD HH:MM:SS.ffffff"
  std::string applied_by;
  std::string status;
  std::optional<int64_t> execution_time_ms;
};

// status (roseyd: the documented lists; the original's were always empty):
// current_version; applied_migrations = every tracking row with applied_at
// in ISO 8601; pending_migrations = files above the current version;
// checksum_warnings and pending_warnings when not empty. Files that cannot
// be discovered list nothing, as the original.
std::string RenderMigrateStatusReply(int64_t current_version, const std::vector<TrackingRow>& rows,
                                     const MigrationDiscovery& files);

// The tracking table as the first apply creates it, IF NOT EXISTS.
std::vector<std::string> TrackingTableDdl();
// MAX(version) of the plugin's 'applied' rows (NULL: version 0).
Statement CurrentVersionStatement(std::string_view plugin, Dialect dialect);
// version of each 'applied' row.
Statement AppliedVersionsStatement(std::string_view plugin, Dialect dialect);
// version, name, checksum, applied_at, applied_by, status,
// execution_time_ms of every row, by version.
Statement TrackingRowsStatement(std::string_view plugin, Dialect dialect);
// Upsert of the version's row (roseyd: a version that failed once can be
// applied later; the original's plain INSERT hit UNIQUE). `status` is
// "applied" or "failed"; `applied_at` is StoredUtcTime(now).
Statement RecordMigrationStatement(std::string_view plugin, const Migration& migration,
                                   std::string_view applied_by, std::string_view status,
                                   const std::optional<std::string>& error_message,
                                   int64_t execution_time_ms, std::string_view applied_at,
                                   Dialect dialect);
// Marks the version's row rolled_back (an INSERT would hit UNIQUE).
Statement MarkRolledBackStatement(std::string_view plugin, int64_t version,
                                  std::string_view applied_by, int64_t execution_time_ms,
                                  std::string_view applied_at, Dialect dialect);

}  // namespace roseyd::storage_api
