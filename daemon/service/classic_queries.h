#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "service/request_family.h"

namespace roseyd::service {

// The first request family: the original DatabaseService's four queries
// (messages.outbound.get, stats.recent_chat.get, query.channel_stats,
// query.user_stats), answered by a ClassicQueryHandler. Metrics labels are the
// subject suffixes, as they always were.
//
// Thread: thread-safe (immutable).
class ClassicQueries : public RequestFamily {
 public:
  // `max_limit` caps a request's `limit` (service.max_request_limit).
  explicit ClassicQueries(int max_limit) : max_limit_(max_limit) {}

  std::vector<RequestRoute> Routes() const override;
  RequestOutcome Handle(const Request& request, store::Reader* reader) override;
  std::string ErrorReply(int kind, Refusal refusal) const override;

 private:
  const int max_limit_;
};

}  // namespace roseyd::service
