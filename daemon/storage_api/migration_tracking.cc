#include "storage_api/migration_tracking.h"

#include <algorithm>

#include "storage_api/migration_check.h"
#include "storage_api/py_datetime.h"
#include "storage_api/py_json_writer.h"

namespace roseyd::storage_api {

namespace {

std::string IsoAppliedAt(const std::string& stored) {
  auto parsed = PyFromIsoformat(stored);
  if (const auto* value = std::get_if<PyDatetime>(&parsed)) return Isoformat(*value);
  return stored;
}

void WriteWarnings(std::string_view key, const std::vector<ValidationWarning>& warnings,
                   PyJsonWriter* out) {
  out->Key(key);
  out->BeginArray();
  for (const ValidationWarning& warning : warnings) WriteValidationWarning(warning, out);
  out->EndArray();
}

}  // namespace

std::string RenderMigrateStatusReply(int64_t current_version, const std::vector<TrackingRow>& rows,
                                     const MigrationDiscovery& files) {
  std::vector<ValidationWarning> checksum_warnings, pending_warnings;
  PyJsonWriter out;
  out.BeginObject();
  out.Key("success");
  out.Bool(true);
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
    const auto file = std::find_if(files.migrations.begin(), files.migrations.end(),
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
      .Param(std::string(plugin))
      .Sql(" AND status = 'applied'");
  return std::move(sql).Build();
}

Statement AppliedVersionsStatement(std::string_view plugin, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql("SELECT version FROM plugin_schema_migrations WHERE plugin_name = ")
      .Param(std::string(plugin))
      .Sql(" AND status = 'applied' ORDER BY version");
  return std::move(sql).Build();
}

Statement TrackingRowsStatement(std::string_view plugin, Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql(
         "SELECT version, name, checksum, applied_at, applied_by, status, execution_time_ms "
         "FROM plugin_schema_migrations WHERE plugin_name = ")
      .Param(std::string(plugin))
      .Sql(" ORDER BY version ASC");
  return std::move(sql).Build();
}

Statement RecordMigrationStatement(std::string_view plugin, const Migration& migration,
                                   std::string_view applied_by, std::string_view status,
                                   const std::optional<std::string>& error_message,
                                   int64_t execution_time_ms, std::string_view applied_at,
                                   Dialect dialect) {
  SqlBuilder sql(dialect);
  sql.Sql(
         "INSERT INTO plugin_schema_migrations (plugin_name, version, name, checksum, "
         "applied_at, applied_by, status, error_message, execution_time_ms) VALUES (")
      .Param(std::string(plugin))
      .Sql(", ")
      .Param(int64_t{migration.version})
      .Sql(", ")
      .Param(migration.name)
      .Sql(", ")
      .Param(migration.checksum)
      .Sql(", ")
      .Param(std::string(applied_at))
      .Sql(", ")
      .Param(std::string(applied_by))
      .Sql(", ")
      .Param(std::string(status))
      .Sql(", ")
      .Param(error_message ? SqlValue(*error_message) : SqlValue())
      .Sql(", ")
      .Param(execution_time_ms)
      .Sql(
          ") ON CONFLICT (plugin_name, version) DO UPDATE SET name = excluded.name, "
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
      .Param(std::string(applied_by))
      .Sql(", applied_at = ")
      .Param(std::string(applied_at))
      .Sql(", execution_time_ms = ")
      .Param(execution_time_ms)
      .Sql(", error_message = NULL WHERE plugin_name = ")
      .Param(std::string(plugin))
      .Sql(" AND version = ")
      .Param(version);
  return std::move(sql).Build();
}

}  // namespace roseyd::storage_api
