#pragma once

// Private to the bus library: cnats results as roseyd Statuses.

#include <nats/nats.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace roseyd::bus {

// cnats's text for `s`, with the library's last error detail when it adds any.
std::string LastError(natsStatus s);

// OK for NATS_OK; otherwise "<what>: <LastError>" with a code that says
// whether retrying can help (Unavailable) or not.
Status ToStatus(natsStatus s, std::string_view what);

}  // namespace roseyd::bus
