#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "service/rejection.h"
#include "store/event.h"

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

// Why a request was answered before its family handled it. Each family
// renders it in its own error shape (RequestFamily::ErrorReply), with the
// text RefusalText gives, the protocol's where it has one.
enum class Refusal {
  kTooLarge,      // its payload is above the route's limit
  kOverloaded,    // the request queue is full
  kStopping,      // it arrived while roseyd was stopping
  kNotWriting,    // a write to a roseyd that does not write to the store now
  kWriteRefused,  // the event sink refused its write (it is stopping)
  kNotCommitted,  // its write did not commit before the request's deadline
};

constexpr std::string_view RefusalText(Refusal refusal) {
  switch (refusal) {
    case Refusal::kTooLarge: return "Request too large";
    case Refusal::kOverloaded: return "Service overloaded";
    case Refusal::kStopping: return "Service unavailable: roseyd is stopping";
    case Refusal::kNotWriting:
      return "Service unavailable: this roseyd does not write to the store now; try again";
    case Refusal::kWriteRefused: return "Service unavailable";
    case Refusal::kNotCommitted: return "Write not committed in time";
  }
  return "Service unavailable";
}

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
  // A write route changes the database (rosey.db.kv.set): RequestFamily::
  // Admit decodes it on arrival, in order with the events, and its write
  // goes through the event writer; a read route is answered from a read
  // connection. Kept per route, so that instances sharing one database can
  // split them (only the leader would take writes).
  bool write = false;
  // The largest payload accepted; 0: service.max_payload_bytes.
  int64_t max_payload_bytes = 0;
  // How long the reply may wait for the commits it needs (from arrival);
  // 0: service.request_timeout.
  std::chrono::milliseconds timeout{0};
};

// One request as a family sees it. The views are valid during the call only.
struct Request {
  int kind = 0;               // RequestRoute::kind of the route that matched
  std::string_view wildcard;  // the route's "*" token's value (a plugin); empty if none
  std::string_view payload;
  int64_t unix_time = 0;  // arrival, Unix seconds
  std::chrono::steady_clock::time_point received{};  // arrival
  // In Handle of a write route: what Admit submitted, committed by now (so
  // a PluginWrite's outcome may be read); null when Admit submitted nothing.
  const store::Write* write = nullptr;
};

// What Admit decided for a request on a write route.
struct Admission {
  // Submitted to the event sink at once, in arrival order with the events;
  // the request is answered by Handle once it has committed.
  std::optional<store::Write> write;
  // Or the answer itself, without writing (a request that does not decode,
  // or one with nothing to do), sent once the events before it committed.
  std::optional<RequestOutcome> answer;
};

// An API family of requests (the classic queries, the plugin storage's KV,
// Row and Migrate): the subjects it claims and how it answers them.
// RequestService::Register takes one; adding a family is a new
// RequestFamily and one registration.
//
// A read route's request reaches Handle on a request worker after the
// read-your-writes wait, i.e. once every event received before it has
// committed. A write route's request first meets Admit, on the intake's
// delivery thread in arrival order with the events (RequestService::
// Accept); the write it returns is submitted there, and the request waits
// for that write's commit before Handle builds the reply from its outcome.
// Write requests without a reply subject are executed all the same.
//
// Thread: Routes once, at registration; Admit on intake delivery threads;
// Handle and ErrorReply on any request worker, concurrently: an
// implementation keeps no per-request state.
class RequestFamily {
 public:
  virtual ~RequestFamily() = default;

  virtual std::vector<RequestRoute> Routes() const = 0;

  // Decodes a request of a write route. Never throws. The default submits
  // nothing and answers nothing: the request is then handled as a read.
  virtual Admission Admit(const Request& request) {
    (void)request;
    return {};
  }

  // Answers `request` reading through `reader`, the calling worker's own
  // read connection. Never throws.
  virtual RequestOutcome Handle(const Request& request, store::Reader* reader) = 0;

  // The protocol's error reply for a request of `kind` that was refused
  // before Handle (too large, overloaded, its write not committed in time).
  virtual std::string ErrorReply(int kind, Refusal refusal) const = 0;
};

}  // namespace roseyd::service
