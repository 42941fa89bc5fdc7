#pragma once

#include <stdexcept>
#include <string>

namespace roseyd {

// Thrown while acquiring resources at start-up (config, database, NATS,
// /metrics). main() catches it, logs it and exits non-zero; nothing in the
// steady state throws it. Modelled on SQLiteCpp's Exception.
class StartupError : public std::runtime_error {
 public:
  // `subsystem` names the part ("config", "store", "bus", "metrics");
  // `code` is the underlying library's error code, or 0.
  StartupError(std::string subsystem, const std::string& message, int code = 0)
      : std::runtime_error(subsystem + ": " + message),
        subsystem_(std::move(subsystem)),
        code_(code) {}

  const std::string& subsystem() const { return subsystem_; }
  int code() const { return code_; }

 private:
  std::string subsystem_;
  int code_;
};

}  // namespace roseyd
