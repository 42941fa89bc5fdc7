#include "service/rejection.h"

#include <array>

namespace roseyd::service {

std::string_view ReasonName(RejectReason reason) {
  static constexpr std::array<std::string_view, static_cast<size_t>(RejectReason::kCount)>
      kNames = {"oversized",        "malformed_json", "not_object",     "missing_field",
                "empty_field",      "wrong_type",     "out_of_range",   "unknown_subject",
                "no_reply_subject", "overloaded",     "store_rejected", "shutting_down",
                "not_leader"};
  return kNames[static_cast<size_t>(reason)];
}

}  // namespace roseyd::service
