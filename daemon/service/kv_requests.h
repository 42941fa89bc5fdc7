#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "service/request_family.h"
#include "service/storage_context.h"
#include "service/storage_metrics.h"

namespace roseyd::service {

// rosey.db.kv.{set,get,delete,list} (ROSEY_STORAGE_API.md §1): the plugin
// key/value store. set and delete are writes, get and list reads; the
// namespace is the body's plugin_name, checked against
// service.storage_plugins. Replies nest their results in "data".
//
// Thread: thread-safe (keeps no per-request state). *context must outlive it.
class KvRequests : public RequestFamily {
 public:
  explicit KvRequests(StorageContext* context);

  std::vector<RequestRoute> Routes() const override;
  Admission Admit(const Request& request) override;
  RequestOutcome Handle(const Request& request, store::Reader* reader) override;
  std::string ErrorReply(int kind, Refusal refusal) const override;

 private:
  enum Kind { kSet, kGet, kDelete, kList, kKinds };

  RequestOutcome Get(const Request& request, store::Reader* reader);
  RequestOutcome List(const Request& request, store::Reader* reader);

  StorageContext* const context_;
  std::array<const StorageMetrics::Operation*, kKinds> ops_{};  // by Kind
};

}  // namespace roseyd::service
