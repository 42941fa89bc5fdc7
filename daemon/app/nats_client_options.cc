#include "app/nats_client_options.h"

namespace roseyd {

bus::ConnectionOptions NatsClientOptions(const NatsConfig& nats, const std::string& url) {
  bus::ConnectionOptions options;
  options.url = url;
  options.name = nats.name;
  options.reconnect_wait = nats.reconnect_wait;
  options.reconnect_wait_max = nats.reconnect_wait_max;
  options.connect_timeout = nats.connect_timeout;
  const NatsAuthConfig& auth = nats.auth;
  options.user = auth.user;
  options.password = auth.password;
  options.token = auth.token;
  options.credentials_file = auth.credentials_file;
  options.nkey = auth.nkey;
  options.nkey_seed_file = auth.nkey_seed_file;
  options.tls_ca_file = auth.tls_ca_file;
  options.tls_cert_file = auth.tls_cert_file;
  options.tls_key_file = auth.tls_key_file;
  return options;
}

}  // namespace roseyd
