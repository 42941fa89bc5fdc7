#pragma once

namespace roseyd::bus {

// Opens the cnats library for the process and closes it (waiting for its
// threads) on destruction. Create one first in main(), before any Connection.
class NatsLibrary {
 public:
  NatsLibrary();  // throws StartupError
  ~NatsLibrary();
  NatsLibrary(const NatsLibrary&) = delete;
  NatsLibrary& operator=(const NatsLibrary&) = delete;
};

}  // namespace roseyd::bus
