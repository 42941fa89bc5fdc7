#pragma once

#include <string>
#include <string_view>

namespace roseyd::service {

// Why an event or request was refused; the `reason` label of
// roseyd_events_rejected_total and roseyd_requests_rejected_total.
enum class RejectReason {
  kOversized,        // payload above service.max_payload_bytes
  kMalformedJson,    // not JSON, or not UTF-8
  kNotObject,        // JSON, but not an object
  kMissingField,     // a required field is absent or null
  kEmptyField,       // a required string is empty
  kWrongType,        // a field has the wrong JSON type
  kOutOfRange,       // a number outside what the field allows
  kUnknownSubject,   // a subject under the prefix that the protocol lacks
  kNoReplySubject,   // a request published without a reply inbox
  kOverloaded,       // the request queue is full
  kStoreRejected,    // the database refused the row
  kShuttingDown,     // arrived while roseyd was stopping
  kNotLeader,        // a write to a roseyd that does not hold the store's claim
  kCount,
};

std::string_view ReasonName(RejectReason reason);

struct Rejection {
  RejectReason reason;
  std::string detail;  // names the field and the problem, for logs and replies
};

}  // namespace roseyd::service
