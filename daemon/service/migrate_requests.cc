#include "service/migrate_requests.h"

#include <variant>

#include "storage_api/migrate.h"
#include "storage_api/migration_tracking.h"
#include "store/reader.h"

namespace roseyd::service {

namespace {


}  // namespace

MigrateRequests::MigrateRequests(StorageContext* context) : context_(context) {
  ops_[kApply] = &context->Operation("migrate", "apply");
  ops_[kRollback] = &context->Operation("migrate", "rollback");
  ops_[kStatus] = &context->Operation("migrate", "status");
}

std::vector<RequestRoute> MigrateRequests::Routes() const {
  const auto route = [](const char* op, Kind kind, bool write) {
    return RequestRoute{std::string("migrate.*.") + op, std::string("migrate.") + op, kind,
                        write, kStoragePayloadBytes, write ? kMigrationTimeout : std::chrono::milliseconds(0)};
  };
  return {route("apply", kApply, true), route("rollback", kRollback, true),
          route("status", kStatus, false)};
}

Admission MigrateRequests::Admit(const Request& request) {
  if (request.kind == kStatus) return {};
  const StorageMetrics::Operation& op = *ops_[static_cast<size_t>(request.kind)];
  std::string plugin(request.wildcard);
  Admission admission;
  if (auto refused = context_->CheckPlugin(plugin)) {
    admission.answer = StorageContext::Failure(op, request, *refused);
    return admission;
  }
  auto decoded = request.kind == kApply ? storage_api::DecodeMigrateApply(request.payload)
                                        : storage_api::DecodeMigrateRollback(request.payload);
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
    admission.answer = StorageContext::Failure(op, request, *error);
    return admission;
  }
  auto& migrate = std::get<storage_api::MigrateRequest>(decoded);
  storage_api::MigrationDiscovery files = context_->Migrations(plugin);
  if (request.kind == kApply) {
    return StorageContext::Submit(
        store::MigrateApply{std::move(plugin), std::move(migrate), std::move(files)});
  }
  return StorageContext::Submit(
      store::MigrateRollback{std::move(plugin), std::move(migrate), std::move(files)});
}

RequestOutcome MigrateRequests::Handle(const Request& request, store::Reader* reader) {
  if (request.kind == kStatus) return Report(request, reader);
  const StorageMetrics::Operation& op = *ops_[static_cast<size_t>(request.kind)];
  const store::PluginWrite* write = StorageContext::WriteOf(request);
  // An empty reply: the tracking table could not be read (the runner
  // renders every other outcome).
  if (write == nullptr || write->outcome.reply.empty()) {
    return StorageContext::Failure(op, request, storage_api::UnexpectedError());
  }
  return StorageContext::Rendered(op, request, write->outcome.reply, write->outcome.reply_error);
}

// The original never read status's body.
RequestOutcome MigrateRequests::Report(const Request& request, store::Reader* reader) {
  const StorageMetrics::Operation& op = *ops_[kStatus];
  const std::string plugin(request.wildcard);
  if (auto refused = context_->CheckPlugin(plugin)) {
    return StorageContext::Failure(op, request, *refused);
  }
  int64_t current = 0;
  std::vector<storage_api::TrackingRow> rows;
  if (Status s = reader->Migrations(plugin, &current, &rows); !s.ok()) {
    return StorageContext::Failure(op, request, storage_api::UnexpectedError(),
                                   IsStatementError(s) ? Status::OK() : std::move(s));
  }
  return StorageContext::Success(
      op, request,
      storage_api::RenderMigrateStatusReply(current, rows, context_->Migrations(plugin)));
}

std::string MigrateRequests::ErrorReply(int, Refusal refusal) const {
  return StorageContext::RefusalReply(refusal);
}

}  // namespace roseyd::service
