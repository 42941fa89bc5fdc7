#pragma once

#include <string>
#include <string_view>

namespace roseyd::storage_api {

class PyJsonWriter;

// The error codes of the plugin-storage replies (ROSEY_STORAGE_API.md §0).
enum class ErrorCode {
  kInvalidJson,
  kMissingField,
  kValidationError,
  kValueTooLarge,
  kDatabaseError,
  kInternalError,
  kLockTimeout,
  kValidationFailed,
  kMigrationFailed,
  kRollbackFailed,
};

// "INVALID_JSON", "MISSING_FIELD", ... as they appear on the wire.
std::string_view ErrorCodeName(ErrorCode code);

// A failed request: what goes into {"success": false, "error": {...}}.
// Messages are the original's fixed texts; where it appended Python or SQLite
// exception text, only the prefix is part of the contract.
struct ErrorReply {
  ErrorCode code;
  std::string message;
  // Not on the wire: the row table named is missing from the catalog
  // (ResolveTable), the one error a reload of the catalog can cure.
  bool unregistered_table = false;

  // Equal as the wire shows them.
  bool operator==(const ErrorReply& other) const {
    return code == other.code && message == other.message;
  }
};

// {"success": false, "error": {"code": ..., "message": ...}}
std::string RenderErrorReply(const ErrorReply& error);

// Writes the `"error": {...}` member alone, for the migrate replies that add
// keys of their own next to it.
void WriteErrorMember(const ErrorReply& error, PyJsonWriter* out);

// The generic replies of each family when a handler fails past decoding (a
// write that SQLite refused, a row that cannot be rendered). KV:
// INTERNAL_ERROR "Database operation failed"; row: DATABASE_ERROR
// "<Verb> operation failed" (verb "Insert", "Select", "Update", "Delete",
// "Search"); migrate: INTERNAL_ERROR "Unexpected error"; a schema.register
// whose CREATE TABLE failed: INTERNAL_ERROR "Schema registration failed".
ErrorReply KvDatabaseFailed();
ErrorReply RowOperationFailed(std::string_view verb);
ErrorReply UnexpectedError();
ErrorReply SchemaRegistrationFailed();

}  // namespace roseyd::storage_api
