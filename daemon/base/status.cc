#include "base/status.h"

namespace roseyd {

std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "ok";
    case Status::Code::kInvalidArgument: return "invalid_argument";
    case Status::Code::kNotFound: return "not_found";
    case Status::Code::kBusy: return "busy";
    case Status::Code::kIoError: return "io_error";
    case Status::Code::kUnavailable: return "unavailable";
    case Status::Code::kResourceExhausted: return "resource_exhausted";
    case Status::Code::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(CodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace roseyd
