#pragma once

#include <string>
#include <string_view>

namespace roseyd {

// nats.url (and `roseyd bench --nats-url`): one NATS server URL, or the
// servers of a cluster comma-separated, each nats://host:port or
// tls://host:port (with user:password@ or a token@ if need be), or a bare
// host:port, which the NATS client reads as nats://.

// "" if `urls` is empty or such a list; otherwise what is wrong, naming the
// URL (its password redacted): an empty entry, a scheme the NATS client does
// not speak (http://, ws://: the NATS client has no WebSocket), no host.
std::string CheckNatsUrls(std::string_view urls);

}  // namespace roseyd
