#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "service/request_family.h"
#include "service/storage_context.h"
#include "service/storage_metrics.h"

namespace roseyd::service {

// rosey.db.migrate.<plugin>.{apply,rollback,status} (ROSEY_STORAGE_API.md
// §3): SQL migrations from service.plugins_dir. apply and rollback are
// writes: their files are read on arrival (the plugin name checked against
// ^[A-Za-z0-9_-]+$ before any path is built) and the writer runs them
// (store/migration_runner.h), each migration atomic; their replies may wait
// up to kMigrationTimeout for the commit. status is a read. Replies are
// top-level.
//
// Thread: thread-safe (keeps no per-request state). *context must outlive it.
class MigrateRequests : public RequestFamily {
 public:
  explicit MigrateRequests(StorageContext* context);

  std::vector<RequestRoute> Routes() const override;
  Admission Admit(const Request& request) override;
  RequestOutcome Handle(const Request& request, store::Reader* reader) override;
  std::string ErrorReply(int kind, Refusal refusal) const override;

 private:
  enum Kind { kApply, kRollback, kStatus, kKinds };

  // status: the tracking rows and the files.
  RequestOutcome Report(const Request& request, store::Reader* reader);

  StorageContext* const context_;
  std::array<const StorageMetrics::Operation*, kKinds> ops_{};  // by Kind
};

}  // namespace roseyd::service
