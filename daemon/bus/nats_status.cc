#include "bus/nats_status.h"

namespace roseyd::bus {

std::string LastError(natsStatus s) {
  const char* detail = nats_GetLastError(nullptr);
  std::string text = natsStatus_GetText(s);
  if (detail != nullptr && *detail != '\0' && text != detail) {
    text += " (";
    text += detail;
    text += ")";
  }
  return text;
}

Status ToStatus(natsStatus s, std::string_view what) {
  if (s == NATS_OK) return Status::OK();
  const std::string message = std::string(what) + ": " + LastError(s);
  switch (s) {
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NOT_YET_CONNECTED:
    case NATS_NO_SERVER:
    case NATS_NO_RESPONDERS:
    case NATS_TIMEOUT:
      return Status::Unavailable(message);
    case NATS_MAX_PAYLOAD:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_ARG:
      return Status::InvalidArgument(message);
    default:
      return Status::Internal(message);
  }
}

}  // namespace roseyd::bus
