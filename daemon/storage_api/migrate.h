#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage_api/error_reply.h"
#include "storage_api/migration_check.h"
#include "storage_api/migration_files.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// rosey.db.migrate.<plugin>.{apply,rollback,status} (ROSEY_STORAGE_API.md
// §3): requests, plans from the files and the current version, the
// tracking-table SQL and the replies (top level, no "data").
//
// How the caller runs a plan, holding the plugin's lock (30 s, else
// LockTimeout()): each migration in its own transaction (roseyd: SQLite DDL
// is transactional, so a failure or a dry run leaves nothing behind):
// BEGIN, each of SplitStatements(section), then on success the tracking
// statement and COMMIT, or ROLLBACK for a dry run; on failure ROLLBACK,
// then (apply, not dry run) RecordMigrationStatement "failed" with the
// error in its own transaction, and the failure reply.

// apply's target_version, or rollback's version; applied_by (default
// "system"); dry_run by Python truthiness.
struct MigrateRequest {
  std::optional<int64_t> version;  // nullopt: apply latest / rollback to current-1
  std::string applied_by = "system";
  bool dry_run = false;

  bool operator==(const MigrateRequest&) const = default;
};

// INVALID_JSON; non-object INTERNAL_ERROR "Unexpected error"; a version that
// Python's int() refuses ("x", a list): INTERNAL_ERROR "Unexpected error".
// "latest" and null mean latest. A float is truncated, a string parsed.
std::variant<MigrateRequest, ErrorReply> DecodeMigrateApply(std::string_view payload);
std::variant<MigrateRequest, ErrorReply> DecodeMigrateRollback(std::string_view payload);

// What apply will do. With `pending` empty, reply RenderNoPendingReply();
// with `errors`, RenderValidationFailedReply(); else run `pending` in order.
struct ApplyPlan {
  int64_t current_version = 0;
  std::vector<Migration> pending;  // current < version <= target, ascending
  std::vector<ValidationWarning> errors;
  std::vector<ValidationWarning> warnings;
};

// A target below the current version, or files that could not be
// discovered when they are needed: INTERNAL_ERROR "Unexpected error".
std::variant<ApplyPlan, ErrorReply> PlanApply(const MigrateRequest& request,
                                              const MigrationDiscovery& files,
                                              int64_t current_version);

// What rollback will do (roseyd implements the documented behaviour; the
// original always failed): the applied versions above the target, newest
// first, each by its DOWN section. Empty: RenderRollbackReply with nothing
// done. Target negative, a file unreadable, or a version in range without
// a file or not applied: INTERNAL_ERROR "Unexpected error".
struct RollbackPlan {
  int64_t current_version = 0;
  int64_t target_version = 0;
  std::vector<Migration> steps;  // newest first
};
std::variant<RollbackPlan, ErrorReply> PlanRollback(const MigrateRequest& request,
                                                    const MigrationDiscovery& files,
                                                    int64_t current_version,
                                                    const std::vector<int64_t>& applied_versions);

// One migration run: {"version", "name", "execution_time_ms"}.
struct MigrationRun {
  int64_t version = 0;
  std::string name;
  int64_t execution_time_ms = 0;
};

std::string RenderNoPendingReply(int64_t current_version);
std::string RenderValidationFailedReply(const ApplyPlan& plan);
// Success: `applied` in order; current_version is the last applied one
// (unchanged on a dry run, which adds its message); plan warnings if any.
std::string RenderApplyReply(const ApplyPlan& plan, const std::vector<MigrationRun>& applied,
                             int64_t current_version, bool dry_run);
// MIGRATION_FAILED "Failed at v<NNN>: <error>" with what was applied before.
std::string RenderApplyFailedReply(int64_t version, std::string_view error,
                                   const std::vector<MigrationRun>& applied,
                                   int64_t current_version);
// Success (or "No migrations to rollback" when the plan was empty);
// current_version is the version below the last one rolled back.
std::string RenderRollbackReply(const std::vector<MigrationRun>& rolled_back,
                                 int64_t current_version, bool dry_run);
// ROLLBACK_FAILED "Failed at v<NNN>: <error>".
std::string RenderRollbackFailedReply(int64_t version, std::string_view error,
                                      const std::vector<MigrationRun>& rolled_back,
                                      int64_t current_version);
// LOCK_TIMEOUT "Migration already in progress for plugin <p>".
ErrorReply LockTimeout(std::string_view plugin);

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
std::string RenderMigrateStatusReply(int64_t current_version,
                                     const std::vector<TrackingRow>& rows,
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
