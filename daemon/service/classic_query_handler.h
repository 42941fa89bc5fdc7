#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "service/rejection.h"
#include "service/request_family.h"
#include "service/subject.h"

namespace roseyd::store {
class Reader;
}

namespace roseyd::service {

// The protocol's error reply of the classic query subjects,
// {"success":false,"error":"<error>"}: also what roseyd answers to a request
// it cannot take (an unknown subject, a `limit` out of range).
std::string ClassicErrorReply(std::string_view error);

// Answers the four query subjects with the original's reply shapes and
// error replies, reading through one Reader. ClassicQueries serves them as
// a RequestFamily.
//
// Thread: confined to one request worker. *reader must outlive it.
class ClassicQueryHandler {
 public:
  ClassicQueryHandler(store::Reader* reader, int max_limit)
      : reader_(reader), max_limit_(max_limit) {}

  // `now` is Unix seconds (outbound retry back-off).
  // REQUIRES: IsRequest(subject).
  RequestOutcome Handle(Subject subject, std::string_view payload, int64_t now);

  // The protocol's error reply for `subject`, for requests refused before
  // they reach a handler (oversized, overloaded, shutting down): `[]` for
  // the list queries, as the original answered, else ClassicErrorReply.
  static std::string ErrorReply(Subject subject, std::string_view error);

 private:
  RequestOutcome OutboundGet(std::string_view payload, int64_t now);
  RequestOutcome RecentChatGet(std::string_view payload);
  RequestOutcome ChannelStats();
  RequestOutcome UserStats(std::string_view payload);

  store::Reader* const reader_;
  const int max_limit_;
};

}  // namespace roseyd::service
