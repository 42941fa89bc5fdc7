#include "storage_api/migrate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "storage_api/json_request.h"
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
    case Type::BOOL:
      return value.get_bool().value_unsafe() ? 1 : 0;
    case Type::INT64:
      return value.get_int64().value_unsafe();
    case Type::UINT64:
      return kInt64Max;
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
    default:
      return std::nullopt;
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

void WriteWarnings(std::string_view key, const std::vector<ValidationWarning>& warnings,
                   PyJsonWriter* out) {
  out->Key(key);
  out->BeginArray();
  for (const ValidationWarning& warning : warnings) WriteValidationWarning(warning, out);
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
  const std::string current = std::to_string(current_version);
  if (target == current_version) {
    if (request.version) {
      plan.why_none = "target_version " + current + " is the current version";
    } else if (files.migrations.empty()) {
      plan.why_none = files.why_none.empty() ? "the plugin has no migration files" : files.why_none;
    } else {
      plan.why_none = "every migration is applied: the latest, version " + current +
                      ", is the current version";
    }
    return plan;
  }
  if (files.error) return UnexpectedError();
  for (const Migration& migration : files.migrations) {
    if (migration.version > current_version && migration.version <= target) {
      plan.pending.push_back(migration);
    }
  }
  if (plan.pending.empty()) {
    plan.why_none = files.migrations.empty() && !files.why_none.empty()
                        ? files.why_none
                        : "no migration file above version " + current + " up to target_version " +
                              std::to_string(target);
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

std::string RenderNoPendingReply(int64_t current_version, std::string_view reason) {
  PyJsonWriter out;
  BeginReply(true, &out);
  WriteRuns("applied", {}, &out);
  out.Key("current_version");
  out.Int(current_version);
  out.Key("message");
  out.String("No pending migrations");
  if (!reason.empty()) {
    out.Key("reason");
    out.String(reason);
  }
  out.EndObject();
  return out.Take();
}

std::string RenderValidationFailedReply(const ApplyPlan& plan) {
  PyJsonWriter out;
  BeginReply(false, &out);
  WriteErrorMember(
      {ErrorCode::kValidationFailed,
       "Migrations failed validation: " + std::to_string(plan.errors.size()) + " error(s)"},
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

}  // namespace roseyd::storage_api
