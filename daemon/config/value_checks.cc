#include "config/value_checks.h"

#include <cstdint>

#include "config/value_text.h"

namespace roseyd::config_checks {

using config_text::ParseInt;
using config_text::Quote;
using config_text::Trim;

// "host:port" or "[v6]:port" with port 0..65535; "" when valid.
std::string CheckListenAddress(std::string_view text) {
  if (text.empty()) return "";
  std::string problem = "expected host:port (e.g. '127.0.0.1:9464'), got " + Quote(text);
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return problem;
  const std::string_view host = text.substr(0, colon);
  const bool bracketed = host.front() == '[';
  if (bracketed ? host.size() < 3 || host.back() != ']'
                : host.find_first_of(":[] ") != std::string_view::npos) {
    return problem;
  }
  int64_t port = 0;
  const std::string_view port_text = text.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string_view::npos ||
      !ParseInt(port_text, &port) || port > 65535) {
    return problem;
  }
  return "";
}

std::string NonEmpty(std::string_view text) {
  return Trim(text).empty() ? "must not be empty" : "";
}

// A NATS subject or queue name: no whitespace, no wildcards.
std::string SubjectPart(std::string_view text, bool allow_empty) {
  if (text.empty()) return allow_empty ? "" : "must not be empty";
  if (text.find_first_of(" \t\r\n*>") != std::string_view::npos) {
    return Quote(text) + " must not contain spaces or the wildcards '*' and '>'";
  }
  if (text.front() == '.' || text.back() == '.' || text.find("..") != std::string_view::npos) {
    return Quote(text) + " has an empty subject token";
  }
  return "";
}

// A JetStream stream or consumer name: no spaces, dots or wildcards.
std::string StreamName(std::string_view text) {
  if (text.empty()) return "must not be empty";
  if (text.find_first_of(" \t\r\n.*>/\\") != std::string_view::npos) {
    return Quote(text) + " must not contain spaces, '.', '*', '>', '/' or '\\'";
  }
  return "";
}

// A plugin name as the storage API's subjects carry it: one NATS token.
std::string PluginName(std::string_view text) {
  if (text.find_first_of(" \t\r\n.*>") != std::string_view::npos) {
    return Quote(text) + " is not a plugin name (one subject token: no spaces, '.', '*' or '>')";
  }
  // YAML's list or quotes, taken as text where the value is not YAML (an
  // environment variable): "[a" would be a plugin no one has.
  if (text.find_first_of("[]{}\"'") != std::string_view::npos) {
    return Quote(text) + " is not a plugin name; in an environment variable give the names "
           "as a,b (a YAML list such as [a, b] goes in a file or --set)";
  }
  return "";
}

}  // namespace roseyd::config_checks
