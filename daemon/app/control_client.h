#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "bus/connection.h"

namespace roseyd {

// The client side of the load generator's control subjects (see
// loadgen/controller.h and docs/BENCHMARKS.md, "Control subjects"): one NATS
// connection, one request per call, each carrying the token.
//
// Thread: one thread at a time.
class ControlClient {
 public:
  // Connects with `options` (the configured credentials and TLS), failing at
  // once when the server cannot be reached: throws StartupError.
  ControlClient(const bus::ConnectionOptions& options, std::string subject_prefix,
                std::string token, std::chrono::milliseconds timeout);

  // Sends `fields` plus the token to <prefix>.<verb> and parses the reply
  // into *reply. Unavailable when nobody answers (control off, another
  // prefix, or roseyd not running); InvalidArgument with the reply's
  // "error" (a refused token, a bad field) when it refuses; Internal when
  // the reply is not a JSON object.
  Status Call(const std::string& verb, nlohmann::json fields, nlohmann::json* reply);

  const std::string& subject_prefix() const { return prefix_; }

 private:
  const std::string prefix_;
  const std::string token_;
  const std::chrono::milliseconds timeout_;
  std::unique_ptr<bus::Connection> connection_;
};

}  // namespace roseyd
