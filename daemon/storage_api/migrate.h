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

// rosey.db.migrate.<plugin>.{apply,rollback} (ROSEY_STORAGE_API.md §3):
// requests, plans from the files and the current version, and the replies
// (top level, no "data"). The tracking table and status: migration_tracking.h.
//
// How the caller runs a plan, holding the plugin's lock (30 s, else
// LockTimeout()): each migration in its own transaction (DDL is transactional
// on SQLite and PostgreSQL alike, so a failure or a dry run leaves nothing
// behind):
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

// What apply will do. With `pending` empty, reply RenderNoPendingReply()
// with `why_none`; with `errors`, RenderValidationFailedReply(); else run
// `pending` in order.
struct ApplyPlan {
  int64_t current_version = 0;
  std::vector<Migration> pending;  // current < version <= target, ascending
  std::vector<ValidationWarning> errors;
  std::vector<ValidationWarning> warnings;
  // With `pending` empty, why: no migration files (and why not), every one
  // applied, or the target already reached.
  std::string why_none;
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

// The original's reply, plus "reason" (roseyd's: the original said only
// "No pending migrations", whatever the cause) when `reason` is not empty.
std::string RenderNoPendingReply(int64_t current_version, std::string_view reason = {});
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

}  // namespace roseyd::storage_api
