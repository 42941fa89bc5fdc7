#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "service/rejection.h"
#include "service/subject.h"
#include "store/event.h"

namespace roseyd::service {

// An event payload decoded into the write it asks for. A status.update may
// name keys outside the whitelist: they are dropped (and listed here) while
// the whitelisted ones are still applied.
struct DecodedEvent {
  store::Write write;
  std::vector<std::string> ignored_status_keys;
};

// Decodes and validates the JSON payload of an event subject, exactly as the
// protocol defines it. `now` (Unix seconds) judges whether a pm_command
// timestamp is sane. Never throws.
// REQUIRES: !IsRequest(subject).
std::variant<DecodedEvent, Rejection> DecodeEvent(Subject subject, std::string_view payload,
                                                  int64_t now);

// The pm_command `details` text, formatted as the original did.
std::string FormatPmCommandDetails(std::string_view command, std::string_view args,
                                   std::string_view result, const std::string* error);

}  // namespace roseyd::service
