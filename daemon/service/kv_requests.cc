#include "service/kv_requests.h"

#include <ctime>
#include <variant>

#include "storage_api/kv.h"
#include "store/reader.h"

namespace roseyd::service {

namespace {


// Reads compare expiry with the time of the read, not of the arrival: a key
// is gone the moment it expires.
int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

KvRequests::KvRequests(StorageContext* context) : context_(context) {
  ops_[kSet] = &context->Operation("kv", "set");
  ops_[kGet] = &context->Operation("kv", "get");
  ops_[kDelete] = &context->Operation("kv", "delete");
  ops_[kList] = &context->Operation("kv", "list");
}

std::vector<RequestRoute> KvRequests::Routes() const {
  const auto route = [](const char* op, Kind kind, bool write) {
    const std::string pattern = std::string("kv.") + op;
    return RequestRoute{pattern, pattern, kind, write, kStoragePayloadBytes, {}};
  };
  return {route("set", kSet, true), route("get", kGet, false), route("delete", kDelete, true),
          route("list", kList, false)};
}

Admission KvRequests::Admit(const Request& request) {
  const StorageMetrics::Operation& op = *ops_[static_cast<size_t>(request.kind)];
  Admission admission;
  if (request.kind == kSet) {
    auto decoded = storage_api::DecodeKvSet(request.payload, request.unix_time);
    if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
      admission.answer = StorageContext::Failure(op, request, *error);
      return admission;
    }
    auto& command = std::get<storage_api::KvSet>(decoded);
    if (auto refused = context_->CheckPlugin(command.plugin_name)) {
      admission.answer = StorageContext::Failure(op, request, *refused);
      return admission;
    }
    return StorageContext::Submit(std::move(command));
  }
  if (request.kind == kDelete) {
    auto decoded = storage_api::DecodeKvDelete(request.payload);
    if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
      admission.answer = StorageContext::Failure(op, request, *error);
      return admission;
    }
    auto& key = std::get<storage_api::KvKey>(decoded);
    if (auto refused = context_->CheckPlugin(key.plugin_name)) {
      admission.answer = StorageContext::Failure(op, request, *refused);
      return admission;
    }
    return StorageContext::Submit(store::KvDelete{std::move(key)});
  }
  return admission;  // a read
}

RequestOutcome KvRequests::Handle(const Request& request, store::Reader* reader) {
  const StorageMetrics::Operation& op = *ops_[static_cast<size_t>(request.kind)];
  switch (request.kind) {
    case kGet:
      return Get(request, reader);
    case kList:
      return List(request, reader);
    default:
      break;
  }
  const store::PluginWrite* write = StorageContext::WriteOf(request);
  if (write == nullptr || !write->outcome.status.ok()) {
    return StorageContext::Failure(op, request, storage_api::KvDatabaseFailed());
  }
  if (request.kind == kSet) return StorageContext::Success(op, request, storage_api::RenderKvSetReply());
  return StorageContext::Success(op, request,
                                 storage_api::RenderKvDeleteReply(write->outcome.changes > 0));
}

RequestOutcome KvRequests::Get(const Request& request, store::Reader* reader) {
  const StorageMetrics::Operation& op = *ops_[kGet];
  auto decoded = storage_api::DecodeKvGet(request.payload);
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
    return StorageContext::Failure(op, request, *error);
  }
  const auto& key = std::get<storage_api::KvKey>(decoded);
  if (auto refused = context_->CheckPlugin(key.plugin_name)) {
    return StorageContext::Failure(op, request, *refused);
  }
  std::optional<std::string> value;
  if (Status s = reader->KvGet(key, UnixNow(), &value); !s.ok()) {
    return StorageContext::Failure(op, request, storage_api::KvDatabaseFailed(),
                                   IsStatementError(s) ? Status::OK() : std::move(s));
  }
  size_t non_finite = 0;
  std::string reply = storage_api::RenderKvGetReply(value, &non_finite);
  context_->NonFiniteAnswered("kv", non_finite);
  return StorageContext::Success(op, request, std::move(reply));
}

RequestOutcome KvRequests::List(const Request& request, store::Reader* reader) {
  const StorageMetrics::Operation& op = *ops_[kList];
  auto decoded = storage_api::DecodeKvList(request.payload);
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
    return StorageContext::Failure(op, request, *error);
  }
  const auto& list = std::get<storage_api::KvList>(decoded);
  if (auto refused = context_->CheckPlugin(list.plugin_name)) {
    return StorageContext::Failure(op, request, *refused);
  }
  std::vector<std::string> keys;
  if (Status s = reader->KvList(list, UnixNow(), &keys); !s.ok()) {
    return StorageContext::Failure(op, request, storage_api::KvDatabaseFailed(),
                                   IsStatementError(s) ? Status::OK() : std::move(s));
  }
  return StorageContext::Success(op, request, storage_api::RenderKvListReply(keys, list.limit));
}

std::string KvRequests::ErrorReply(int, Refusal refusal) const {
  return StorageContext::RefusalReply(refusal);
}

}  // namespace roseyd::service
