#include "service/row_requests.h"

#include <chrono>
#include <variant>

#include "storage_api/row_commands.h"
#include "storage_api/row_schema.h"
#include "storage_api/row_search.h"
#include "store/reader.h"

namespace roseyd::service {

namespace {

constexpr const char* kVerbs[] = {
    "Schema registration", "Insert", "Select", "Update", "Delete", "Search"};

// A decoder's result as an Admission: its command submitted, or its error
// answered.
template <typename Command>
Admission Decoded(std::variant<Command, storage_api::ErrorReply> decoded,
                  const StorageMetrics::Operation& op, const Request& request) {
  if (auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
    Admission admission;
    admission.answer = StorageContext::Failure(op, request, *error);
    return admission;
  }
  return StorageContext::Submit(std::move(std::get<Command>(decoded)));
}

// A rendered row reply, or its rendering error.
RequestOutcome Rendered(std::variant<std::string, storage_api::ErrorReply> reply,
                        const StorageMetrics::Operation& op, const Request& request) {
  if (auto* error = std::get_if<storage_api::ErrorReply>(&reply)) {
    return StorageContext::Failure(op, request, *error);
  }
  return StorageContext::Success(op, request, std::move(std::get<std::string>(reply)));
}

// Decodes a read. On a roseyd that does not write, a table registered
// through the one that does since the catalog was loaded is found after a
// reload (StorageContext::ReloadAfterMiss).
template <typename Decode>
auto DecodeRead(StorageContext* context, store::Reader* reader, Decode decode) {
  auto decoded = decode();
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded);
      error != nullptr && context->ReloadAfterMiss(*error, reader)) {
    decoded = decode();
  }
  return decoded;
}

}  // namespace

RowRequests::RowRequests(StorageContext* context) : context_(context) {
  ops_[kRegister] = &context->Operation("row", "schema.register");
  ops_[kInsert] = &context->Operation("row", "insert");
  ops_[kSelect] = &context->Operation("row", "select");
  ops_[kUpdate] = &context->Operation("row", "update");
  ops_[kDelete] = &context->Operation("row", "delete");
  ops_[kSearch] = &context->Operation("row", "search");
}

std::vector<RequestRoute> RowRequests::Routes() const {
  const auto route = [](const char* op, Kind kind, bool write) {
    return RequestRoute{std::string("row.*.") + op,
                        std::string("row.") + op,
                        kind,
                        write,
                        kStoragePayloadBytes,
                        {}};
  };
  return {route("schema.register", kRegister, true),
          route("insert", kInsert, true),
          route("select", kSelect, false),
          route("update", kUpdate, true),
          route("delete", kDelete, true),
          route("search", kSearch, false)};
}

Admission RowRequests::Admit(const Request& request) {
  const StorageMetrics::Operation& op = *ops_[static_cast<size_t>(request.kind)];
  const std::string plugin(request.wildcard);
  if (auto refused = context_->CheckPlugin(plugin)) {
    Admission admission;
    admission.answer = StorageContext::Failure(op, request, *refused);
    return admission;
  }
  const auto context = context_->RowContextAt(std::chrono::system_clock::now());
  switch (request.kind) {
    case kRegister:
      return AdmitRegister(request, plugin);
    case kInsert:
      return Decoded(storage_api::DecodeRowInsert(plugin, request.payload, context), op, request);
    case kUpdate:
      return Decoded(storage_api::DecodeRowUpdate(plugin, request.payload, context), op, request);
    case kDelete:
      return Decoded(storage_api::DecodeRowDelete(plugin, request.payload, context), op, request);
    default:
      return {};  // a read
  }
}

// The catalog entry first, as the original's cache: the row requests that
// follow in arrival order find the schema while its table is being created.
Admission RowRequests::AdmitRegister(const Request& request, const std::string& plugin) {
  const StorageMetrics::Operation& op = *ops_[kRegister];
  auto decoded = storage_api::DecodeSchemaRegister(plugin, request.payload);
  Admission admission;
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
    admission.answer = StorageContext::Failure(op, request, *error);
    return admission;
  }
  auto& command = std::get<storage_api::SchemaRegister>(decoded);
  std::optional<storage_api::TableClash> clash;
  if (!context_->catalog().Add(command.plugin, command.table, command.schema, &clash)) {
    if (clash) {
      admission.answer = StorageContext::Failure(
          op, request,
          {storage_api::ErrorCode::kValidationError,
           storage_api::RegisterClashMessage({command.plugin, command.table}, *clash)});
      return admission;
    }
    // Registered already: the first schema wins and nothing changes.
    admission.answer =
        StorageContext::Success(op, request, storage_api::RenderSchemaRegisterReply());
    return admission;
  }
  return StorageContext::Submit(std::move(command));
}

RequestOutcome RowRequests::Handle(const Request& request, store::Reader* reader) {
  if (request.kind == kSelect || request.kind == kSearch) {
    const std::string plugin(request.wildcard);
    const StorageMetrics::Operation& op = *ops_[static_cast<size_t>(request.kind)];
    if (auto refused = context_->CheckPlugin(plugin)) {
      return StorageContext::Failure(op, request, *refused);
    }
    return request.kind == kSelect ? Select(request, plugin, reader)
                                   : Search(request, plugin, reader);
  }
  return Written(request);
}

RequestOutcome RowRequests::Written(const Request& request) {
  const StorageMetrics::Operation& op = *ops_[static_cast<size_t>(request.kind)];
  const store::PluginWrite* write = StorageContext::WriteOf(request);
  if (write == nullptr) {
    return StorageContext::Failure(op, request, storage_api::UnexpectedError());
  }
  const store::PluginOutcome& outcome = write->outcome;
  if (const auto* command = std::get_if<storage_api::SchemaRegister>(&write->command)) {
    if (outcome.status.ok() && !outcome.refusal) {
      return StorageContext::Success(op, request, storage_api::RenderSchemaRegisterReply());
    }
    context_->catalog().Remove(command->plugin, command->table);
    return StorageContext::Failure(op, request,
                                   outcome.refusal.value_or(storage_api::SchemaRegistrationFailed()));
  }
  if (outcome.refusal) return StorageContext::Failure(op, request, *outcome.refusal);
  if (!outcome.status.ok()) {
    return StorageContext::Failure(op, request,
                                   storage_api::RowOperationFailed(kVerbs[request.kind]));
  }
  if (const auto* command = std::get_if<storage_api::RowInsert>(&write->command)) {
    return StorageContext::Success(op, request,
                                   storage_api::RenderRowInsertReply(*command, outcome.ids));
  }
  if (const auto* command = std::get_if<storage_api::RowUpdate>(&write->command)) {
    return StorageContext::Success(
        op, request, storage_api::RenderRowUpdateReply(*command, outcome.changes > 0));
  }
  return StorageContext::Success(op, request,
                                 storage_api::RenderRowDeleteReply(outcome.changes > 0));
}

RequestOutcome RowRequests::Select(const Request& request, const std::string& plugin,
                                   store::Reader* reader) {
  const StorageMetrics::Operation& op = *ops_[kSelect];
  auto decoded = DecodeRead(context_, reader, [&] {
    return storage_api::DecodeRowSelect(plugin, request.payload,
                                        context_->RowContextAt(std::chrono::system_clock::now()));
  });
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
    return StorageContext::Failure(op, request, *error);
  }
  const auto& command = std::get<storage_api::RowSelect>(decoded);
  std::optional<storage_api::RowCells> row;
  if (Status s = reader->RowSelect(command, &row); !s.ok()) {
    return StorageContext::Failure(op, request, storage_api::RowOperationFailed("Select"),
                                   IsStatementError(s) ? Status::OK() : std::move(s));
  }
  size_t non_finite = 0;
  auto reply = storage_api::RenderRowSelectReply(*command.schema, row, &non_finite);
  context_->NonFiniteAnswered("row", non_finite);
  return Rendered(std::move(reply), op, request);
}

RequestOutcome RowRequests::Search(const Request& request, const std::string& plugin,
                                   store::Reader* reader) {
  const StorageMetrics::Operation& op = *ops_[kSearch];
  auto decoded = DecodeRead(context_, reader, [&] {
    return storage_api::DecodeRowSearch(plugin, request.payload,
                                        context_->RowContextAt(std::chrono::system_clock::now()));
  });
  if (const auto* error = std::get_if<storage_api::ErrorReply>(&decoded)) {
    return StorageContext::Failure(op, request, *error);
  }
  const auto& command = std::get<storage_api::RowSearch>(decoded);
  std::vector<storage_api::RowCells> rows;
  if (Status s = reader->RowSearch(command, &rows); !s.ok()) {
    return StorageContext::Failure(op, request, storage_api::RowOperationFailed("Search"),
                                   IsStatementError(s) ? Status::OK() : std::move(s));
  }
  size_t non_finite = 0;
  auto reply = storage_api::RenderRowSearchReply(command, rows, &non_finite);
  context_->NonFiniteAnswered("row", non_finite);
  return Rendered(std::move(reply), op, request);
}

std::string RowRequests::ErrorReply(int, Refusal refusal) const {
  return StorageContext::RefusalReply(refusal);
}

}  // namespace roseyd::service
