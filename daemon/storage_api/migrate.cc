#include "storage_api/migrate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "storage_api/json_request.h"
#include "storage_api/py_datetime.h"
#include "storage_api/py_json_writer.h"
#include "storage_api/py_number.h"
#include "storage_api/py_repr.h"

namespace roseyd::storage_api {

namespace {

using Type = simdjson::dom::element_type;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// Python's int(x) on the request's version; nullopt where it raises.
std::optional<int64_t> PyInt(Element value) {
  switch (value.type()) {
    case Type::BOOL: return value.get_bool().value_unsafe() ? 1 : 0;
    case Type::INT64: return value.get_int64().value_unsafe();
    case Type::UINT64: return kInt64Max;
    case Type::DOUBLE: {
      const double d = std::trunc(value.get_double().value_unsafe());
      if (d >= 9.2e18) return kInt64Max;
      if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(d);
    }
    case Type::STRING: {
      const PyIntParse parse = ParsePyInt(StringOf(value));
      if (parse.outcome == PyIntParse::Outcome::kOk) return parse.value;
      if (parse.outcome != PyIntParse::Outcome::kOverflow) return std::nullopt;
      return StringOf(value).find('-') == std::string_view::npos
                 ? kInt64Max
                 : std::numeric_limits<int64_t>::min();
    }
    default: return std::nullopt;
  }
}

std::variant<MigrateRequest, ErrorReply> DecodeMigrate(std::string_view payload,
                                                       std::string_view version_key,
                                                       bool latest_allowed) {
  JsonRequest request;
  if (auto error = JsonRequest::Parse(payload, "Unexpected error", &request)) return *error;
  MigrateRequest command;
  if (const std::optional<Element> version = request.Get(version_key);
      version && !version->is_null() &&
      !(latest_allowed && IsString(*version) && StringOf(*version) == "latest")) {
    command.version = PyInt(*version);
    if (!command.version) return UnexpectedError();
  }
  if (const std::optional<Element> by = request.Get("applied_by"); by && !by->is_null()) {
    command.applied_by = PyStr(*by);
  }
  if (const std::optional<Element> dry_run = request.Get("dry_run")) {
    command.dry_run = PyTruthy(*dry_run);
  }
  return command;
}

void WriteWarning(const ValidationWarning& warning, PyJsonWriter* out) {
  out->BeginObject();
  out->Key("level");
  out->String(warning.level);
  out->Key("message");
  out->String(warning.message);
  out->Key("migration_version");
  out->Int(warning.migration_version);
  out->Key("migration_name");
  out->String(warning.migration_name);
  out->Key("category");
  out->String(warning.category);
  out->EndObject();
}

void WriteWarnings(std::string_view key, const std::vector<ValidationWarning>& warnings,
                   PyJsonWriter* out) {
  out->Key(key);
  out->BeginArray();
  for (const ValidationWarning& warning : warnings) WriteWarning(warning, out);
  out->EndArray();
}

void WriteRuns(std::string_view key, const std::vector<MigrationRun>& runs, PyJsonWriter* out) {
  out->Key(key);
  out->BeginArray();
  for (const MigrationRun& run : runs) {
    out->BeginObject();
    out->Key("version");
    out->Int(run.version);
    out->Key("name");
    out->String(run.name);
    out->Key("execution_time_ms");
    out->Int(run.execution_time_ms);
    out->EndObject();
  }
  out->EndArray();
}

void BeginReply(bool success, PyJsonWriter* out) {
  out->BeginObject();
  out->Key("success");
  out->Bool(success);
}

std::string FailedReply(ErrorCode code, std::string_view runs_key, int64_t version,
                        std::string_view error, const std::vector<MigrationRun>& runs,
                        int64_t current_version) {
  char label[32];
  std::snprintf(label, sizeof label, "Failed at v%03lld: ", static_cast<long long>(version));
  PyJsonWriter out;
  BeginReply(false, &out);
  WriteErrorMember({code, label + std::string(error)}, &out);
  WriteRuns(runs_key, runs, &out);
  out.Key("current_version");
  out.Int(current_version);
  out.EndObject();
  return out.Take();
}

std::string IsoAppliedAt(const std::string& stored) {
  auto parsed = PyFromIsoformat(stored);
  if (const auto* value = std::get_if<PyDatetime>(&parsed)) return Isoformat(*value);
  return stored;
}

}  // namespace

std::variant<MigrateRequest, ErrorReply> DecodeMigrateApply(std::string_view payload) {
  return DecodeMigrate(payload, "target_version", /*latest_allowed=*/true);
}

std::variant<MigrateRequest, ErrorReply> DecodeMigrateRollback(std::string_view payload) {
  return DecodeMigrate(payload, "version", /*latest_allowed=*/false);
}

std::variant<ApplyPlan, ErrorReply> PlanApply(const MigrateRequest& request,
                                              const MigrationDiscovery& files,
                                              int64_t current_version) {
  ApplyPlan plan;
  plan.current_version = current_version;
  int64_t target = 0;
  if (request.version) {
    target = *request.version;
  } else {
    if (files.error) return UnexpectedError();
    if (!files.migrations.empty()) target = files.migrations.back().version;
  }
  if (target < current_version) return UnexpectedError();
  if (target == current_version) return plan;
  if (files.error) return UnexpectedError();
  for (const Migration& migration : files.migrations) {
    if (migration.version > current_version && migration.version <= target) {
      plan.pending.push_back(migration);
    }
  }
  for (const Migration& migration : plan.pending) {
    for (ValidationWarning& warning : ValidateMigration(migration)) {
      (warning.level == "ERROR" ? plan.errors : plan.warnings).push_back(std::move(warning));
    }
  }
  return plan;
}

std::variant<RollbackPlan, ErrorReply> PlanRollback(const MigrateRequest& request,
                                                    const MigrationDiscovery& files,
                                                    int64_t current_version,
                                                    const std::vector<int64_t>& applied_versions) {
  RollbackPlan plan;
  plan.current_version = current_version;
  plan.target_version = request.version.value_or(std::max<int64_t>(current_version - 1, 0));
  if (plan.target_version >= current_version) return plan;
  if (plan.target_version < 0 || files.error) return UnexpectedError();
  const auto applied = [&](int64_t version) {
    return std::find(applied_versions.begin(), applied_versions.end(), version) !=
           applied_versions.end();
  };
  for (auto it = files.migrations.rbegin(); it != files.migrations.rend(); ++it) {
    if (it->version <= plan.target_version || it->version > current_version) continue;
    if (!applied(it->version)) return UnexpectedError();
    plan.steps.push_back(*it);
  }
  // An applied version in range without its file cannot be undone: refuse
  // rather than report a version the tracking table would contradict.
  for (int64_t version : applied_versions) {
    if (version <= plan.target_version || version > current_version) continue;
    const bool has_file = std::any_of(plan.steps.begin(), plan.steps.end(),
                                      [&](const Migration& m) { return m.version == version; });
    if (!has_file) return UnexpectedError();
  }
  return plan;
}

std::string RenderNoPendingReply(int64_t current_version) {
  PyJsonWriter out;
  BeginReply(true, &out);
  WriteRuns("applied", {}, &out);
  out.Key("current_version");
  out.Int(current_version);
  out.Key("message");
  out.String("No pending migrations");
  out.EndObject();
  return out.Take();
}

std::string RenderValidationFailedReply(const ApplyPlan& plan) {
  PyJsonWriter out;
  BeginReply(false, &out);
  WriteErrorMember({ErrorCode::kValidationFailed,
                    "Migrations failed validation: " + std::to_string(plan.errors.size()) +
                        " error(s)"},
                   &out);
  WriteWarnings("errors", plan.errors, &out);
  WriteWarnings("warnings", plan.warnings, &out);
  out.Key("current_version");
  out.Int(plan.current_version);
  out.EndObject();
  return out.Take();
}

std::string RenderApplyReply(const ApplyPlan& plan, const std::vector<MigrationRun>& applied,
                             int64_t current_version, bool dry_run) {
  PyJsonWriter out;
  BeginReply(true, &out);
  WriteRuns("applied", applied, &out);
  out.Key("current_version");
  out.Int(current_version);
  if (dry_run) {
    out.Key("message");
    out.String("Dry-run: migrations not committed");
  }
  if (!plan.warnings.empty()) WriteWarnings("warnings", plan.warnings, &out);
  out.EndObject();
  return out.Take();
}

std::string RenderApplyFailedReply(int64_t version, std::string_view error,
                                   const std::vector<MigrationRun>& applied,
                                   int64_t current_version) {
  return FailedReply(ErrorCode::kMigrationFailed, "applied", version, error, applied,
                     current_version);
}

std::string RenderRollbackReply(const std::vector<MigrationRun>& rolled_back,
                                 int64_t current_version, bool dry_run) {
  PyJsonWriter out;
  BeginReply(true, &out);
  WriteRuns("rolled_back", rolled_back, &out);
  out.Key("current_version");
  out.Int(current_version);
  if (rolled_back.empty()) {
    out.Key("message");
    out.String("No migrations to rollback");
  } else if (dry_run) {
    out.Key("message");
    out.String("Dry-run: rollbacks not committed");
  }
  out.EndObject();
  return out.Take();
}

std::string RenderRollbackFailedReply(int64_t version, std::string_view error,
                                      const std::vector<MigrationRun>& rolled_back,
                                      int64_t current_version) {
  return FailedReply(ErrorCode::kRollbackFailed, "rolled_back", version, error, rolled_back,
                     current_version);
}

ErrorReply LockTimeout(std::string_view plugin) {
  return {ErrorCode::kLockTimeout,
          "Migration already in progress for plugin " + std::string(plugin)};
}

std::string RenderMigrateStatusReply(int64_t current_version,
                                     const std::vector<TrackingRow>& rows,
                                     const MigrationDiscovery& files) {
  std::vector<ValidationWarning> checksum_warnings, pending_warnings;
  PyJsonWriter out;
  BeginReply(true, &out);
  out.Key("current_version");
  out.Int(current_version);
  out.Key("applied_migrations");
  out.BeginArray();
  for (const TrackingRow& row : rows) {
    out.BeginObject();
    out.Key("version");
    out.Int(row.version);
    out.Key("name");
    out.String(row.name);
    out.Key("checksum");
    out.String(row.checksum);
    out.Key("applied_at");
    out.String(IsoAppliedAt(row.applied_at));
    out.Key("applied_by");
    out.String(row.applied_by);
    out.Key("status");
    out.String(row.status);
    out.Key("execution_time_ms");
    if (row.execution_time_ms) {
      out.Int(*row.execution_time_ms);
    } else {
      out.Null();
    }
    out.EndObject();
    if (files.error) continue;  // the original swallowed the discovery error
    const auto file =
        std::find_if(files.migrations.begin(), files.migrations.end(),
                     [&](const Migration& m) { return m.version == row.version; });
    if (file == files.migrations.end()) {
      checksum_warnings.push_back(
          {"ERROR", "Migration file not found for applied version " + std::to_string(row.version),
           static_cast<int>(row.version), row.name, "checksum"});
    } else {
      for (ValidationWarning& w : VerifyChecksum(*file, row.checksum)) {
        checksum_warnings.push_back(std::move(w));
      }
    }
  }
  out.EndArray();
  out.Key("pending_migrations");
  out.BeginArray();
  if (!files.error) {
    for (const Migration& migration : files.migrations) {
      if (migration.version <= current_version) continue;
      out.BeginObject();
      out.Key("version");
      out.Int(migration.version);
      out.Key("name");
      out.String(migration.name);
      out.Key("filename");
      out.String(migration.filename);
      out.EndObject();
      for (ValidationWarning& w : ValidateMigration(migration)) {
        pending_warnings.push_back(std::move(w));
      }
    }
  }
  out.EndArray();
  if (!checksum_warnings.empty()) WriteWarnings("checksum_warnings", checksum_warnings, &out);
  if (!pending_warnings.empty()) WriteWarnings("pending_warnings", pending_warnings, &out);
  out.EndObject();
  return out.Take();
}

std::vector<std::string> TrackingTableDdl() {
  return {
      "CREATE TABLE IF NOT EXISTS plugin_schema_migrations (\n"
      "                id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
      "                plugin_name TEXT NOT NULL,\n"
      "                version INTEGER NOT NULL,\n"
      "                name TEXT NOT NULL,\n"
      "                checksum TEXT NOT NULL,\n"
      "                applied_at TIMESTAMP NOT NULL,\n"
      "                applied_by TEXT NOT NULL,\n"
      "                status TEXT NOT NULL,\n"
      "                error_message TEXT,\n"
      "                execution_time_ms INTEGER,\n"
      "                UNIQUE(plugin_name, version)\n"
      "            )",
      "CREATE INDEX IF NOT EXISTS idx_plugin_migrations_status\n"
      "            ON plugin_schema_migrations(plugin_name, status)",
  };
}

Statement CurrentVersionStatement(std::string_view plugin, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("SELECT MAX(version) FROM plugin_schema_migrations WHERE plugin_name = ")
      .Param(std::string(plugin)).Sql(" AND status = 'applied'");
  return std::move(sql).Build();
}

Statement AppliedVersionsStatement(std::string_view plugin, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("SELECT version FROM plugin_schema_migrations WHERE plugin_name = ")
      .Param(std::string(plugin)).Sql(" AND status = 'applied' ORDER BY version");
  return std::move(sql).Build();
}

Statement TrackingRowsStatement(std::string_view plugin, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("SELECT version, name, checksum, applied_at, applied_by, status, execution_time_ms "
          "FROM plugin_schema_migrations WHERE plugin_name = ")
      .Param(std::string(plugin)).Sql(" ORDER BY version ASC");
  return std::move(sql).Build();
}

Statement RecordMigrationStatement(std::string_view plugin, const Migration& migration,
                                   std::string_view applied_by, std::string_view status,
                                   const std::optional<std::string>& error_message,
                                   int64_t execution_time_ms, std::string_view applied_at,
                                   Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("INSERT INTO plugin_schema_migrations (plugin_name, version, name, checksum, "
          "applied_at, applied_by, status, error_message, execution_time_ms) VALUES (")
      .Param(std::string(plugin)).Sql(", ").Param(int64_t{migration.version}).Sql(", ")
      .Param(migration.name).Sql(", ").Param(migration.checksum).Sql(", ")
      .Param(std::string(applied_at)).Sql(", ").Param(std::string(applied_by)).Sql(", ")
      .Param(std::string(status)).Sql(", ")
      .Param(error_message ? SqlValue(*error_message) : SqlValue()).Sql(", ")
      .Param(execution_time_ms)
      .Sql(") ON CONFLICT (plugin_name, version) DO UPDATE SET name = excluded.name, "
           "checksum = excluded.checksum, applied_at = excluded.applied_at, "
           "applied_by = excluded.applied_by, status = excluded.status, "
           "error_message = excluded.error_message, "
           "execution_time_ms = excluded.execution_time_ms");
  return std::move(sql).Build();
}

Statement MarkRolledBackStatement(std::string_view plugin, int64_t version,
                                  std::string_view applied_by, int64_t execution_time_ms,
                                  std::string_view applied_at, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("UPDATE plugin_schema_migrations SET status = 'rolled_back', applied_by = ")
      .Param(std::string(applied_by)).Sql(", applied_at = ").Param(std::string(applied_at))
      .Sql(", execution_time_ms = ").Param(execution_time_ms)
      .Sql(", error_message = NULL WHERE plugin_name = ").Param(std::string(plugin))
      .Sql(" AND version = ").Param(version);
  return std::move(sql).Build();
}

}  // namespace roseyd::storage_api
