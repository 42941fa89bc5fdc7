#include "storage_api/error_reply.h"

#include "storage_api/py_json_writer.h"

namespace roseyd::storage_api {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidJson:
      return "INVALID_JSON";
    case ErrorCode::kMissingField:
      return "MISSING_FIELD";
    case ErrorCode::kValidationError:
      return "VALIDATION_ERROR";
    case ErrorCode::kValueTooLarge:
      return "VALUE_TOO_LARGE";
    case ErrorCode::kDatabaseError:
      return "DATABASE_ERROR";
    case ErrorCode::kInternalError:
      return "INTERNAL_ERROR";
    case ErrorCode::kLockTimeout:
      return "LOCK_TIMEOUT";
    case ErrorCode::kValidationFailed:
      return "VALIDATION_FAILED";
    case ErrorCode::kMigrationFailed:
      return "MIGRATION_FAILED";
    case ErrorCode::kRollbackFailed:
      return "ROLLBACK_FAILED";
  }
  return "INTERNAL_ERROR";
}

std::string RenderErrorReply(const ErrorReply& error) {
  PyJsonWriter out;
  out.BeginObject();
  out.Key("success");
  out.Bool(false);
  WriteErrorMember(error, &out);
  out.EndObject();
  return out.Take();
}

void WriteErrorMember(const ErrorReply& error, PyJsonWriter* out) {
  out->Key("error");
  out->BeginObject();
  out->Key("code");
  out->String(ErrorCodeName(error.code));
  out->Key("message");
  out->String(error.message);
  out->EndObject();
}

ErrorReply KvDatabaseFailed() { return {ErrorCode::kInternalError, "Database operation failed"}; }

ErrorReply RowOperationFailed(std::string_view verb) {
  return {ErrorCode::kDatabaseError, std::string(verb) + " operation failed"};
}

ErrorReply UnexpectedError() { return {ErrorCode::kInternalError, "Unexpected error"}; }

ErrorReply SchemaRegistrationFailed() {
  return {ErrorCode::kInternalError, "Schema registration failed"};
}

}  // namespace roseyd::storage_api
