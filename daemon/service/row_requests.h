#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "service/request_family.h"
#include "service/storage_context.h"
#include "service/storage_metrics.h"

namespace roseyd::service {

// rosey.db.row.<plugin>.{schema.register,insert,select,update,delete,search}
// (ROSEY_STORAGE_API.md §2): rows in the tables "<plugin>_<table>" that
// plugins register. The plugin is the subject's fourth token, checked
// against service.storage_plugins. Writes are decoded on arrival against
// the schema catalog, so a row request right after a schema.register finds
// the schema, as the original's cache did; a registration whose table could
// not be created is taken back out of the catalog. Replies are top-level.
//
// Thread: thread-safe (keeps no per-request state). *context must outlive it.
class RowRequests : public RequestFamily {
 public:
  explicit RowRequests(StorageContext* context);

  std::vector<RequestRoute> Routes() const override;
  Admission Admit(const Request& request) override;
  RequestOutcome Handle(const Request& request, store::Reader* reader) override;
  std::string ErrorReply(int kind, Refusal refusal) const override;

 private:
  enum Kind { kRegister, kInsert, kSelect, kUpdate, kDelete, kSearch, kKinds };

  Admission AdmitRegister(const Request& request, const std::string& plugin);
  RequestOutcome Select(const Request& request, const std::string& plugin,
                        store::Reader* reader);
  RequestOutcome Search(const Request& request, const std::string& plugin,
                        store::Reader* reader);
  // A write's reply from its outcome.
  RequestOutcome Written(const Request& request);

  StorageContext* const context_;
  std::array<const StorageMetrics::Operation*, kKinds> ops_{};  // by Kind
};

}  // namespace roseyd::service
