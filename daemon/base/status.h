#pragma once

#include <string>
#include <string_view>

namespace roseyd {

// The result of a steady-state operation (one message, one batch, one tick).
// OK carries no message and allocates nothing; failures carry a code and a
// human-readable message. Shaped like leveldb's Status.
//
// Thread: immutable once constructed; copies are independent.
class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // the caller's input is bad: do not retry
    kNotFound,
    kBusy,             // a shared resource is held elsewhere: retry later
    kIoError,          // the disk or the database failed
    kUnavailable,      // a peer (NATS, the writer) is gone or stopping
    kResourceExhausted,
    kInternal,
  };

  Status() = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string_view msg) { return {Code::kInvalidArgument, msg}; }
  static Status NotFound(std::string_view msg) { return {Code::kNotFound, msg}; }
  static Status Busy(std::string_view msg) { return {Code::kBusy, msg}; }
  static Status IoError(std::string_view msg) { return {Code::kIoError, msg}; }
  static Status Unavailable(std::string_view msg) { return {Code::kUnavailable, msg}; }
  static Status ResourceExhausted(std::string_view msg) {
    return {Code::kResourceExhausted, msg};
  }
  static Status Internal(std::string_view msg) { return {Code::kInternal, msg}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // "OK", or "<CodeName>: <message>".
  std::string ToString() const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// A short stable name for a code ("invalid_argument"), for metric labels.
std::string_view CodeName(Status::Code code);

}  // namespace roseyd
