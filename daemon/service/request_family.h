#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "service/rejection.h"

namespace roseyd::store {
class Reader;
}

namespace roseyd::service {

// The answer to one request: the reply payload, plus what went wrong if
// anything (for metrics and logs; the payload already carries the protocol's
// error shape).
struct RequestOutcome {
  std::string reply;
  std::optional<Rejection> rejection;  // the request itself was bad
  Status store_status;                 // the query failed
};

// One subject pattern a family answers.
struct RequestRoute {
  // Subject suffix under the service prefix, tokens separated by '.'; a "*"
  // token matches any one token, as in NATS ("row.*.search" answers
  // rosey.db.row.<plugin>.search for every plugin).
  std::string pattern;
  // The `subject` label of this route's metrics (roseyd_requests_total and
  // the rest); usually the pattern.
  std::string label;
  // The family's own tag for the route, handed back with each request.
  int kind = 0;
};

// One request as a family sees it. The views are valid during the call only.
struct Request {
  int kind = 0;              // RequestRoute::kind of the route that matched
  std::string_view subject;  // the full subject: a "*" token's value is in it
  std::string_view payload;
  int64_t unix_time = 0;  // arrival, Unix seconds
};

// An API family of requests (the classic queries; next KV, Row, Migrate):
// the subjects it claims and how it answers them. RequestService::Register
// takes one; adding a family is a new RequestFamily and one registration.
//
// Each request reaches Handle on a request worker after the read-your-writes
// wait, i.e. once every event received before it has committed.
//
// Writes (not built yet, e.g. rosey.db.kv.set): they must be applied in
// arrival order with the events and answered after their commit. They would
// fit as routes marked as writes, with a family method that decodes a request
// into a store::Write. RequestService::Accept runs on the intake's delivery
// thread, in arrival order with the events; for a write route it would decode
// the request and Submit the write to the EventSink right there, and queue
// the request with the sequence Submit returned as its barrier. The worker's
// usual wait then holds the reply until that commit, and Handle builds the
// reply. Under durable intake the stream would capture the write subjects
// too, and the StreamIntake would hand them to Accept in stream order.
//
// Thread: Routes once, at registration; Handle and ErrorReply on any request
// worker, concurrently: an implementation keeps no per-request state.
class RequestFamily {
 public:
  virtual ~RequestFamily() = default;

  virtual std::vector<RequestRoute> Routes() const = 0;

  // Answers `request` reading through `reader`, the calling worker's own
  // read connection. Never throws.
  virtual RequestOutcome Handle(const Request& request, store::Reader* reader) = 0;

  // The protocol's error reply for a request of `kind` that was refused
  // before Handle (too large, overloaded).
  virtual std::string ErrorReply(int kind, std::string_view error) const = 0;
};

}  // namespace roseyd::service
