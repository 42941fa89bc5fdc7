#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "service/request_family.h"

namespace roseyd::service {

// Which family answers a request subject. Families claim subject patterns
// under the prefix (RequestRoute::pattern, "*" matching any one token). No
// two claims may overlap, and no claim may match an event subject, so every
// subject has at most one answer whatever the order of registration.
//
// Thread: Add before any concurrent use; after that, immutable. Each family
// must outlive the registry.
class RequestRegistry {
 public:
  struct Entry {
    RequestFamily* family;
    RequestRoute route;
    std::string subject;  // "<prefix>.<pattern>": what to subscribe to
    bool wildcard;        // some token is "*"
  };

  explicit RequestRegistry(std::string prefix) : prefix_(std::move(prefix)) {}

  // Claims every route of *family. Throws StartupError when a pattern is
  // malformed (an empty token, '>', a partial wildcard or two), overlaps a claim
  // already made, or matches an event subject.
  void Add(RequestFamily* family);

  struct Match {
    std::size_t route;          // index in entries()
    std::string_view wildcard;  // the "*" token's value, within the subject; empty if none
  };

  // The route claiming `subject` (a full subject, prefix included); nullopt
  // when none does. The one parse of a request's subject: families read the
  // plugin of row.<plugin>.search from Request::wildcard. Does not allocate.
  std::optional<Match> Find(std::string_view subject) const;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  const std::string prefix_;
  std::vector<Entry> entries_;
  std::vector<std::vector<std::string>> patterns_;  // entries_[i]'s tokens
};

}  // namespace roseyd::service
