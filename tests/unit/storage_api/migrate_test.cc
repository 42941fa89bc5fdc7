#include "storage_api/migrate.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "storage_api/migration_tracking.h"
#include "unit/storage_api/sqlite_db.h"

namespace roseyd::storage_api {
namespace {

Migration Make(int version, const std::string& name, const std::string& up,
               const std::string& down = "SELECT 1") {
  char filename[64];
  std::snprintf(filename, sizeof filename, "%03d_%s.sql", version, name.c_str());
  return {version, name, filename, up, down, std::string(64, static_cast<char>('0' + version))};
}

MigrationDiscovery Files() {
  return {{Make(1, "create_notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
                "DROP TABLE notes"),
           Make(2, "add_score", "ALTER TABLE notes ADD COLUMN score INTEGER DEFAULT 0",
                "ALTER TABLE notes DROP COLUMN score"),
           Make(3, "drop_old", "DROP TABLE IF EXISTS old_notes", "SELECT 1")},
          std::nullopt,
          ""};
}

MigrateRequest Request(const std::string& payload, bool apply = true) {
  auto decoded = apply ? DecodeMigrateApply(payload) : DecodeMigrateRollback(payload);
  if (auto* error = std::get_if<ErrorReply>(&decoded)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<MigrateRequest>(decoded);
}

TEST(MigrateDecodeTest, ApplyFields) {
  EXPECT_EQ(Request("{}"), (MigrateRequest{std::nullopt, "system", false}));
  EXPECT_EQ(Request(R"j({"target_version": "latest", "applied_by": "admin", "dry_run": 1})j"),
            (MigrateRequest{std::nullopt, "admin", true}));
  EXPECT_EQ(Request(R"j({"target_version": 2.7, "dry_run": ""})j"),
            (MigrateRequest{2, "system", false}));
  EXPECT_EQ(Request(R"j({"target_version": " 3 ", "applied_by": null})j"),
            (MigrateRequest{3, "system", false}));
  EXPECT_EQ(Request(R"j({"version": 9})j"), (MigrateRequest{std::nullopt, "system", false}));
  for (const char* bad : {R"j({"target_version": "x"})j", R"j({"target_version": [1]})j"}) {
    EXPECT_EQ(std::get<ErrorReply>(DecodeMigrateApply(bad)), UnexpectedError()) << bad;
  }
  EXPECT_EQ(std::get<ErrorReply>(DecodeMigrateApply("nope")).code, ErrorCode::kInvalidJson);
  EXPECT_EQ(std::get<ErrorReply>(DecodeMigrateApply("[]")), UnexpectedError());
}

TEST(MigrateDecodeTest, RollbackReadsVersion) {
  EXPECT_EQ(Request(R"j({"version": 1, "target_version": 3})j", false),
            (MigrateRequest{1, "system", false}));
  EXPECT_EQ(std::get<ErrorReply>(DecodeMigrateRollback(R"j({"version": "latest"})j")),
            UnexpectedError());
}

TEST(PlanApplyTest, PendingRangeAndValidation) {
  auto plan = std::get<ApplyPlan>(PlanApply(Request(R"j({"target_version": 2})j"), Files(), 0));
  ASSERT_EQ(plan.pending.size(), 2u);
  EXPECT_EQ(plan.pending[1].version, 2);
  EXPECT_TRUE(plan.errors.empty());
  plan = std::get<ApplyPlan>(PlanApply(Request("{}"), Files(), 1));
  ASSERT_EQ(plan.pending.size(), 2u);
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_EQ(plan.warnings[0].category, "destructive");
  EXPECT_EQ(
      RenderApplyReply(plan, {{2, "add_score", 3}, {3, "drop_old", 1}}, 3, false),
      R"j({"success": true, "applied": [{"version": 2, "name": "add_score", "execution_time_ms": 3}, {"version": 3, "name": "drop_old", "execution_time_ms": 1}], "current_version": 3, "warnings": [{"level": "WARNING", "message": "Migration drops table (all table data will be deleted). Ensure data is backed up or no longer needed.", "migration_version": 3, "migration_name": "drop_old", "category": "destructive"}]})j");
}

TEST(PlanApplyTest, NothingPending) {
  for (const char* payload : {"{}", R"j({"target_version": 3})j"}) {
    const auto plan = std::get<ApplyPlan>(PlanApply(Request(payload), Files(), 3));
    EXPECT_TRUE(plan.pending.empty());
  }
  EXPECT_EQ(
      RenderNoPendingReply(3),
      R"j({"success": true, "applied": [], "current_version": 3, "message": "No pending migrations"})j");
  // No files at all: latest is 0.
  EXPECT_TRUE(std::get<ApplyPlan>(PlanApply(Request("{}"), {}, 0)).pending.empty());
}

// The original said "No pending migrations" whatever the cause; roseyd adds
// "reason": no files (and why not), all applied, or the target reached.
TEST(PlanApplyTest, NothingPendingSaysWhy) {
  EXPECT_EQ(std::get<ApplyPlan>(PlanApply(Request("{}"), Files(), 3)).why_none,
            "every migration is applied: the latest, version 3, is the current version");
  EXPECT_EQ(
      std::get<ApplyPlan>(PlanApply(Request(R"j({"target_version": 2})j"), Files(), 2)).why_none,
      "target_version 2 is the current version");
  MigrationDiscovery none;
  none.why_none = "service.plugins_dir is not set: roseyd reads no migration files";
  const ApplyPlan unset = std::get<ApplyPlan>(PlanApply(Request("{}"), none, 0));
  EXPECT_EQ(unset.why_none, none.why_none);
  EXPECT_EQ(std::get<ApplyPlan>(PlanApply(Request(R"j({"target_version": 5})j"), none, 0)).why_none,
            none.why_none);
  EXPECT_EQ(
      RenderNoPendingReply(0, unset.why_none),
      R"j({"success": true, "applied": [], "current_version": 0, "message": "No pending migrations", "reason": "service.plugins_dir is not set: roseyd reads no migration files"})j");
  // With work to do, no reason.
  EXPECT_EQ(std::get<ApplyPlan>(PlanApply(Request("{}"), Files(), 0)).why_none, "");
}

TEST(PlanApplyTest, UnexpectedErrors) {
  EXPECT_EQ(std::get<ErrorReply>(PlanApply(Request(R"j({"target_version": 1})j"), Files(), 2)),
            UnexpectedError());
  MigrationDiscovery broken;
  broken.error = "Duplicate migration version 1 found in plugin 'p'";
  EXPECT_EQ(std::get<ErrorReply>(PlanApply(Request("{}"), broken, 0)), UnexpectedError());
  EXPECT_EQ(std::get<ErrorReply>(PlanApply(Request(R"j({"target_version": 2})j"), broken, 0)),
            UnexpectedError());
  // Already at the target: the original never looked at the files.
  EXPECT_TRUE(std::get<ApplyPlan>(PlanApply(Request(R"j({"target_version": 2})j"), broken, 2))
                  .pending.empty());
}

TEST(PlanApplyTest, ValidationFailedReply) {
  MigrationDiscovery files{{Make(1, "bad", "ALTER TABLE t DROP COLUMN c")}, std::nullopt, ""};
  const auto plan = std::get<ApplyPlan>(PlanApply(Request("{}"), files, 0));
  EXPECT_EQ(plan.errors.size(), 1u);
  EXPECT_EQ(
      RenderValidationFailedReply(plan),
      R"j({"success": false, "error": {"code": "VALIDATION_FAILED", "message": "Migrations failed validation: 1 error(s)"}, "errors": [{"level": "ERROR", "message": "SQLite does not support DROP COLUMN directly. Use table recreation pattern: CREATE temp table, INSERT data (excluding column), DROP old table, RENAME temp table.", "migration_version": 1, "migration_name": "bad", "category": "sqlite"}], "warnings": [{"level": "WARNING", "message": "Migration drops column (potential data loss). Ensure column data is no longer needed or backed up.", "migration_version": 1, "migration_name": "bad", "category": "destructive"}], "current_version": 0})j");
}

TEST(MigrateReplyTest, FailuresAndDryRun) {
  EXPECT_EQ(
      RenderApplyFailedReply(2, "duplicate column name: score", {{1, "create_notes", 4}}, 1),
      R"j({"success": false, "error": {"code": "MIGRATION_FAILED", "message": "Failed at v002: duplicate column name: score"}, "applied": [{"version": 1, "name": "create_notes", "execution_time_ms": 4}], "current_version": 1})j");
  EXPECT_EQ(
      RenderApplyReply(ApplyPlan{}, {{1, "a", 0}}, 0, true),
      R"j({"success": true, "applied": [{"version": 1, "name": "a", "execution_time_ms": 0}], "current_version": 0, "message": "Dry-run: migrations not committed"})j");
  EXPECT_EQ(
      RenderRollbackFailedReply(3, "boom", {}, 3),
      R"j({"success": false, "error": {"code": "ROLLBACK_FAILED", "message": "Failed at v003: boom"}, "rolled_back": [], "current_version": 3})j");
  EXPECT_EQ(
      RenderErrorReply(LockTimeout("quote-db")),
      R"j({"success": false, "error": {"code": "LOCK_TIMEOUT", "message": "Migration already in progress for plugin quote-db"}})j");
}

TEST(PlanRollbackTest, NewestFirstDownToTheTarget) {
  auto plan = std::get<RollbackPlan>(PlanRollback(Request("{}", false), Files(), 3, {1, 2, 3}));
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].version, 3);
  plan = std::get<RollbackPlan>(
      PlanRollback(Request(R"j({"version": 0})j", false), Files(), 3, {1, 2, 3}));
  ASSERT_EQ(plan.steps.size(), 3u);
  EXPECT_EQ(plan.steps[0].version, 3);
  EXPECT_EQ(plan.steps[2].version, 1);
  EXPECT_EQ(
      RenderRollbackReply({{3, "drop_old", 1}, {2, "add_score", 2}}, 1, false),
      R"j({"success": true, "rolled_back": [{"version": 3, "name": "drop_old", "execution_time_ms": 1}, {"version": 2, "name": "add_score", "execution_time_ms": 2}], "current_version": 1})j");
  EXPECT_EQ(
      RenderRollbackReply({{3, "drop_old", 1}}, 3, true),
      R"j({"success": true, "rolled_back": [{"version": 3, "name": "drop_old", "execution_time_ms": 1}], "current_version": 3, "message": "Dry-run: rollbacks not committed"})j");
}

TEST(PlanRollbackTest, NothingToDoAndErrors) {
  for (const char* payload : {"{}", R"j({"version": 5})j"}) {
    EXPECT_TRUE(std::get<RollbackPlan>(PlanRollback(Request(payload, false), Files(), 0, {}))
                    .steps.empty());
  }
  EXPECT_EQ(
      RenderRollbackReply({}, 0, false),
      R"j({"success": true, "rolled_back": [], "current_version": 0, "message": "No migrations to rollback"})j");
  EXPECT_EQ(std::get<ErrorReply>(
                PlanRollback(Request(R"j({"version": -1})j", false), Files(), 2, {1, 2})),
            UnexpectedError());
  // Version 2 in range but never applied.
  EXPECT_EQ(
      std::get<ErrorReply>(PlanRollback(Request(R"j({"version": 0})j", false), Files(), 3, {1, 3})),
      UnexpectedError());
  // Version 4 applied, but its file is gone.
  EXPECT_EQ(std::get<ErrorReply>(PlanRollback(Request("{}", false), Files(), 4, {1, 2, 3, 4})),
            UnexpectedError());
}

TEST(MigrateStatusTest, ListsRowsPendingAndWarnings) {
  MigrationDiscovery files = Files();
  std::vector<TrackingRow> rows{
      {1, "create_notes", files.migrations[0].checksum, "2025-01-02 03:04:05.000006", "system",
       "applied", 5},
      {2, "add_score", "ffffffffff", "2025-01-02 03:04:06.000000", "admin", "failed", std::nullopt},
      {7, "gone", "00", "2025-01-02 03:04:07.000000", "system", "applied", 1}};
  EXPECT_EQ(
      RenderMigrateStatusReply(1, rows, files),
      R"j({"success": true, "current_version": 1, "applied_migrations": [{"version": 1, "name": "create_notes", "checksum": ")j" +
          files.migrations[0].checksum +
          R"j(", "applied_at": "2025-01-02T03:04:05.000006", "applied_by": "system", "status": "applied", "execution_time_ms": 5}, {"version": 2, "name": "add_score", "checksum": "ffffffffff", "applied_at": "2025-01-02T03:04:06", "applied_by": "admin", "status": "failed", "execution_time_ms": null}, {"version": 7, "name": "gone", "checksum": "00", "applied_at": "2025-01-02T03:04:07", "applied_by": "system", "status": "applied", "execution_time_ms": 1}], "pending_migrations": [{"version": 2, "name": "add_score", "filename": "002_add_score.sql"}, {"version": 3, "name": "drop_old", "filename": "003_drop_old.sql"}], "checksum_warnings": [{"level": "ERROR", "message": "Migration file has been modified (checksum mismatch). Expected: ffffffff..., Got: 22222222...", "migration_version": 2, "migration_name": "add_score", "category": "checksum"}, {"level": "ERROR", "message": "Migration file not found for applied version 7", "migration_version": 7, "migration_name": "gone", "category": "checksum"}], "pending_warnings": [{"level": "WARNING", "message": "Migration drops table (all table data will be deleted). Ensure data is backed up or no longer needed.", "migration_version": 3, "migration_name": "drop_old", "category": "destructive"}]})j");
  MigrationDiscovery broken;
  broken.error = "bad";
  EXPECT_EQ(
      RenderMigrateStatusReply(0, {}, broken),
      R"j({"success": true, "current_version": 0, "applied_migrations": [], "pending_migrations": []})j");
}

// The plan run as roseyd's writer will: one transaction per migration.
TEST(MigrateSqlTest, ApplyRecordFailRetryAndRollBack) {
  SqliteDb db;
  for (const std::string& ddl : TrackingTableDdl()) ASSERT_EQ(db.Exec(ddl), "");
  const auto current = [&] {
    return db.Run(CurrentVersionStatement("p", Dialect::kSqlite)).at(0).at(0);
  };
  EXPECT_EQ(current(), SqlValue());
  const MigrationDiscovery files = Files();
  const auto plan = std::get<ApplyPlan>(PlanApply(Request(R"j({"target_version": 2})j"), files, 0));
  const char* at = "2025-01-02 03:04:05.000000";
  for (const Migration& m : plan.pending) {
    ASSERT_EQ(db.Exec("BEGIN"), "");
    for (const std::string& statement : SplitStatements(m.up_sql))
      ASSERT_EQ(db.Exec(statement), "");
    db.Run(RecordMigrationStatement("p", m, "system", "applied", std::nullopt, 1, at,
                                    Dialect::kSqlite));
    ASSERT_EQ(db.Exec("COMMIT"), "");
  }
  EXPECT_EQ(current(), SqlValue(int64_t{2}));

  // A failed run of version 2 recorded, then a later success replaces it.
  db.Run(RecordMigrationStatement("p", files.migrations[1], "system", "failed", std::string("boom"),
                                  1, at, Dialect::kSqlite));
  EXPECT_EQ(current(), SqlValue(int64_t{1}));
  db.Run(RecordMigrationStatement("p", files.migrations[1], "admin", "applied", std::nullopt, 2, at,
                                  Dialect::kSqlite));
  EXPECT_EQ(current(), SqlValue(int64_t{2}));
  EXPECT_EQ(Texts(db.Run(AppliedVersionsStatement("p", Dialect::kSqlite))),
            (std::vector<std::string>{"1", "2"}));

  db.Run(MarkRolledBackStatement("p", 2, "admin", 3, at, Dialect::kSqlite));
  EXPECT_EQ(current(), SqlValue(int64_t{1}));
  const auto rows = db.Run(TrackingRowsStatement("p", Dialect::kSqlite));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1],
            (std::vector<SqlValue>{int64_t{2}, std::string("add_score"),
                                   files.migrations[1].checksum, std::string(at),
                                   std::string("admin"), std::string("rolled_back"), int64_t{3}}));
}

}  // namespace
}  // namespace roseyd::storage_api
