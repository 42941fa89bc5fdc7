#pragma once

#include <string>

#include "bus/connection.h"
#include "config/config.h"

namespace roseyd {

// Options for a connection to `url` as `nats` configures it: its name,
// reconnection and timeouts, and the credentials and TLS of nats.auth.*.
// Every connection roseyd makes (the service, the load generator's bots and
// its own service instance, control, acknowledgements, roseyd ctl) starts
// from these, so a server that demands authentication gets it from each.
bus::ConnectionOptions NatsClientOptions(const NatsConfig& nats, const std::string& url);

}  // namespace roseyd
