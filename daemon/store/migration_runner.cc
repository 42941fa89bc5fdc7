#include "store/migration_runner.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "storage_api/migration_check.h"
#include "storage_api/migration_tracking.h"
#include "storage_api/py_datetime.h"
#include "store/plugin_reads.h"
#include "store/plugin_writes.h"

namespace roseyd::store {

namespace {

using storage_api::Migration;
using storage_api::MigrationRun;
using Clock = std::chrono::steady_clock;

constexpr const char* kMigrationSavepoint = "roseyd_migration";
constexpr const char* kDryRunSavepoint = "roseyd_migration_dry_run";

int64_t ElapsedMs(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

std::string AppliedAt() {
  return storage_api::StoredUtcTime(std::chrono::system_clock::now());
}

// Runs a section's statements in order. InvalidArgument: the section failed
// (the message says why); any other code: the database failed.
Status RunSection(SqlSession* session, std::string_view sql) {
  for (const std::string& statement : storage_api::SplitStatements(sql)) {
    if (ControlsTransactions(statement)) {
      return Status::InvalidArgument(
          "transaction control is not allowed in a migration (roseyd runs each one in a "
          "transaction of its own) [SQL: " +
          statement + "]");
    }
    if (Status s = session->RunOnce(statement); !s.ok()) return s;
    if (!session->InTransaction()) {
      return Status::InvalidArgument("the statement ended the transaction [SQL: " + statement +
                                     "]");
    }
  }
  return Status::OK();
}

Status Record(SqlSession* session, const MigrateApply& command, const Migration& migration,
              std::string_view status, const std::optional<std::string>& error,
              int64_t elapsed_ms) {
  return session->Run(storage_api::RecordMigrationStatement(
                          command.plugin, migration, command.request.applied_by, status, error,
                          elapsed_ms, AppliedAt(), session->dialect()),
                      nullptr);
}

// The version the plugin is at once `version` is rolled back: the highest
// applied one below it.
int64_t VersionBelow(const std::vector<int64_t>& applied, int64_t version) {
  int64_t below = 0;
  for (int64_t v : applied) {
    if (v < version) below = std::max(below, v);
  }
  return below;
}

}  // namespace

bool ControlsTransactions(std::string_view statement) {
  size_t i = 0;
  for (;;) {  // blanks and /* */ comments before the first keyword
    while (i < statement.size() && std::isspace(static_cast<unsigned char>(statement[i]))) ++i;
    if (statement.substr(i, 2) != "/*") break;
    const size_t end = statement.find("*/", i + 2);
    if (end == std::string_view::npos) return false;
    i = end + 2;
  }
  std::string word;
  while (i < statement.size() && std::isalpha(static_cast<unsigned char>(statement[i]))) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(statement[i++]))));
  }
  static constexpr std::string_view kKeywords[] = {
      "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "VACUUM", "ATTACH", "DETACH"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), word) != std::end(kKeywords);
}

Status RunMigrateApply(SqlSession* session, const MigrateApply& command, PluginOutcome* outcome) {
  int64_t current = 0;
  if (Status s = ReadCurrentVersion(session, command.plugin, &current); !s.ok()) return s;
  const auto planned = storage_api::PlanApply(command.request, command.files, current);
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&planned)) {
    outcome->reply = storage_api::RenderErrorReply(*error);
    outcome->reply_error = error->code;
    return Status::OK();
  }
  storage_api::ApplyPlan plan = std::get<storage_api::ApplyPlan>(planned);
  if (plan.pending.empty()) {
    outcome->reply = storage_api::RenderNoPendingReply(current, plan.why_none);
    return Status::OK();
  }
  // roseyd: what the pending migrations name is checked against the
  // registry as it is now, before any of them runs.
  std::vector<storage_api::TablePair> registry;
  if (Status s = ReadRegistryPairs(session, &registry); !s.ok()) return s;
  for (const Migration& migration : plan.pending) {
    for (storage_api::ValidationWarning& error :
         storage_api::CheckMigrationScope(command.plugin, migration, migration.up_sql, registry)) {
      plan.errors.push_back(std::move(error));
    }
  }
  if (!plan.errors.empty()) {
    outcome->reply = storage_api::RenderValidationFailedReply(plan);
    outcome->reply_error = storage_api::ErrorCode::kValidationFailed;
    return Status::OK();
  }
  const bool dry = command.request.dry_run;
  if (dry) {
    if (Status s = session->Savepoint(kDryRunSavepoint); !s.ok()) return s;
  }
  std::vector<MigrationRun> applied;
  int64_t version = current;
  for (const Migration& migration : plan.pending) {
    const auto started = Clock::now();
    Status s = InSavepoint(session, kMigrationSavepoint, [&] {
      Status r = RunSection(session, migration.up_sql);
      if (r.ok() && !dry) r = Record(session, command, migration, "applied", {}, ElapsedMs(started));
      return r;
    });
    const int64_t elapsed = ElapsedMs(started);
    if (s.ok()) {
      applied.push_back(MigrationRun{migration.version, migration.name, elapsed});
      version = migration.version;
      continue;
    }
    if (s.code() != Status::Code::kInvalidArgument) return s;
    outcome->reply = storage_api::RenderApplyFailedReply(migration.version, s.message(), applied,
                                                         dry ? current : version);
    outcome->reply_error = storage_api::ErrorCode::kMigrationFailed;
    if (!session->InTransaction()) return s;
    if (dry) return session->RollbackToSavepoint(kDryRunSavepoint);
    return Record(session, command, migration, "failed", s.message(), elapsed);
  }
  if (dry) {
    if (Status s = session->RollbackToSavepoint(kDryRunSavepoint); !s.ok()) return s;
  }
  outcome->reply = storage_api::RenderApplyReply(plan, applied, dry ? current : version, dry);
  return Status::OK();
}

Status RunMigrateRollback(SqlSession* session, const MigrateRollback& command,
                          PluginOutcome* outcome) {
  int64_t current = 0;
  std::vector<int64_t> applied_versions;
  if (Status s = ReadCurrentVersion(session, command.plugin, &current); !s.ok()) return s;
  if (Status s = ReadAppliedVersions(session, command.plugin, &applied_versions); !s.ok()) {
    return s;
  }
  const auto planned =
      storage_api::PlanRollback(command.request, command.files, current, applied_versions);
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&planned)) {
    outcome->reply = storage_api::RenderErrorReply(*error);
    outcome->reply_error = error->code;
    return Status::OK();
  }
  const storage_api::RollbackPlan& plan = std::get<storage_api::RollbackPlan>(planned);
  const bool dry = command.request.dry_run;
  if (plan.steps.empty()) {
    outcome->reply = storage_api::RenderRollbackReply({}, current, dry);
    return Status::OK();
  }
  // roseyd: no step runs if one names a table that is not the plugin's.
  std::vector<storage_api::TablePair> registry;
  if (Status s = ReadRegistryPairs(session, &registry); !s.ok()) return s;
  for (const Migration& step : plan.steps) {
    const auto errors =
        storage_api::CheckMigrationScope(command.plugin, step, step.down_sql, registry);
    if (!errors.empty()) {
      outcome->reply =
          storage_api::RenderRollbackFailedReply(step.version, errors.front().message, {}, current);
      outcome->reply_error = storage_api::ErrorCode::kRollbackFailed;
      return Status::OK();
    }
  }
  if (dry) {
    if (Status s = session->Savepoint(kDryRunSavepoint); !s.ok()) return s;
  }
  std::vector<MigrationRun> rolled_back;
  int64_t version = current;
  for (const Migration& step : plan.steps) {
    const auto started = Clock::now();
    Status s = InSavepoint(session, kMigrationSavepoint, [&] {
      Status r = RunSection(session, step.down_sql);
      if (r.ok() && !dry) {
        r = session->Run(storage_api::MarkRolledBackStatement(
                             command.plugin, step.version, command.request.applied_by,
                             ElapsedMs(started), AppliedAt(), session->dialect()),
                         nullptr);
      }
      return r;
    });
    if (s.ok()) {
      rolled_back.push_back(MigrationRun{step.version, step.name, ElapsedMs(started)});
      version = VersionBelow(applied_versions, step.version);
      continue;
    }
    if (s.code() != Status::Code::kInvalidArgument) return s;
    outcome->reply = storage_api::RenderRollbackFailedReply(step.version, s.message(), rolled_back,
                                                            dry ? current : version);
    outcome->reply_error = storage_api::ErrorCode::kRollbackFailed;
    if (!session->InTransaction()) return s;
    return dry ? session->RollbackToSavepoint(kDryRunSavepoint) : Status::OK();
  }
  if (dry) {
    if (Status s = session->RollbackToSavepoint(kDryRunSavepoint); !s.ok()) return s;
  }
  outcome->reply = storage_api::RenderRollbackReply(rolled_back, dry ? current : version, dry);
  return Status::OK();
}

}  // namespace roseyd::store
