#include "service/storage_context.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <variant>

#include "storage_api/py_datetime.h"
#include "store/reader.h"

namespace roseyd::service {

namespace {

std::chrono::nanoseconds Since(std::chrono::steady_clock::time_point received) {
  return std::chrono::steady_clock::now() - received;
}

}  // namespace

StorageContext::StorageContext(const ServiceConfig& config, storage_api::Dialect dialect,
                               StorageMetrics* metrics)
    : allowed_(config.storage_plugins),
      plugins_dir_(config.plugins_dir),
      dialect_(dialect),
      metrics_(metrics) {}

Status StorageContext::LoadSchemas(store::Reader* reader) {
  storage_api::CatalogLoad load;
  if (Status s = reader->LoadSchemas(&catalog_, &load); !s.ok()) return s;
  spdlog::info("plugin storage: {} registered table schemas loaded", load.loaded);
  if (load.skipped > 0) {
    spdlog::warn(
        "plugin storage: {} rows of plugin_table_schemas hold no valid schema; their "
        "tables answer as unregistered",
        load.skipped);
  }
  // A database from the original (or an older roseyd) may hold a plugin
  // registration that reaches a table not its own: it is not served, and
  // nothing in the database is changed, so that an operator can look.
  for (const auto& [pair, clash] : load.refused) {
    spdlog::warn(
        "plugin storage: plugin_table_schemas registers table '{}' for plugin '{}', but {}: "
        "its row requests are refused (VALIDATION_ERROR) and its rows left untouched",
        pair.table, pair.plugin, clash.Describe());
  }
  return Status::OK();
}

bool StorageContext::ReloadAfterMiss(const storage_api::ErrorReply& error, store::Reader* reader) {
  if (!reload_on_miss_ || !error.unregistered_table) return false;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t last = last_reload_ms_.load();
  // One reload per interval, so that requests naming tables nobody
  // registered cannot turn into a query each.
  if (now - last < kCatalogReloadInterval.count() ||
      !last_reload_ms_.compare_exchange_strong(last, now)) {
    return false;
  }
  storage_api::CatalogLoad load;  // its refusals were logged at start
  if (Status s = reader->LoadSchemas(&catalog_, &load); !s.ok()) {
    spdlog::warn("plugin storage: reloading the table schemas failed: {}", s.ToString());
    return false;
  }
  return true;
}

std::optional<storage_api::ErrorReply> StorageContext::CheckPlugin(std::string_view plugin) const {
  if (allowed_.empty() || std::find(allowed_.begin(), allowed_.end(), plugin) != allowed_.end()) {
    return std::nullopt;
  }
  return storage_api::ErrorReply{
      storage_api::ErrorCode::kValidationError,
      "Plugin '" + std::string(plugin) + "' may not use the storage API (service.storage_plugins)"};
}

storage_api::RowContext StorageContext::RowContextAt(
    std::chrono::system_clock::time_point now) const {
  return storage_api::RowContext{&catalog_, storage_api::StoredLocalTime(now), dialect_};
}

storage_api::MigrationDiscovery StorageContext::Migrations(std::string_view plugin) const {
  if (plugins_dir_.empty()) {
    storage_api::MigrationDiscovery none;
    none.why_none = "service.plugins_dir is not set: roseyd reads no migration files";
    return none;
  }
  // DiscoverMigrations checks the name against ^[A-Za-z0-9_-]+$ before it
  // builds a path: "..", "/" or a NUL never reach the file system.
  return storage_api::DiscoverMigrations(plugins_dir_, plugin);
}

RequestOutcome StorageContext::Success(const StorageMetrics::Operation& op, const Request& request,
                                       std::string reply) {
  op.Answered(Since(request.received), std::nullopt);
  return RequestOutcome{std::move(reply), std::nullopt, Status::OK()};
}

RequestOutcome StorageContext::Failure(const StorageMetrics::Operation& op, const Request& request,
                                       const storage_api::ErrorReply& error, Status store_status) {
  op.Answered(Since(request.received), error.code);
  return RequestOutcome{storage_api::RenderErrorReply(error), std::nullopt,
                        std::move(store_status)};
}

RequestOutcome StorageContext::Rendered(const StorageMetrics::Operation& op, const Request& request,
                                        std::string reply,
                                        std::optional<storage_api::ErrorCode> error) {
  op.Answered(Since(request.received), error);
  return RequestOutcome{std::move(reply), std::nullopt, Status::OK()};
}

const store::PluginWrite* StorageContext::WriteOf(const Request& request) {
  if (request.write == nullptr) return nullptr;
  const auto* write = std::get_if<std::shared_ptr<store::PluginWrite>>(request.write);
  return write == nullptr ? nullptr : write->get();
}

Admission StorageContext::Submit(store::PluginCommand command) {
  Admission admission;
  admission.write = store::Write(std::make_shared<store::PluginWrite>(std::move(command)));
  return admission;
}

std::string StorageContext::RefusalReply(Refusal refusal) {
  const auto code = refusal == Refusal::kTooLarge ? storage_api::ErrorCode::kValidationError
                                                  : storage_api::ErrorCode::kInternalError;
  return storage_api::RenderErrorReply({code, std::string(RefusalText(refusal))});
}

}  // namespace roseyd::service
