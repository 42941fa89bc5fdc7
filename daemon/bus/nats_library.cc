#include "bus/nats_library.h"

#include <nats/nats.h>

#include "base/startup_error.h"

namespace roseyd::bus {

NatsLibrary::NatsLibrary() {
  // -1: the library's default spin count for its internal locks.
  const natsStatus s = nats_Open(-1);
  if (s != NATS_OK) throw StartupError("bus", std::string("nats_Open: ") + natsStatus_GetText(s), s);
}

NatsLibrary::~NatsLibrary() {
  // Waits (bounded) for the library's threads so none outlives main().
  nats_CloseAndWait(5000);
}

}  // namespace roseyd::bus
