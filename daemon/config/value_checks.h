#pragma once

#include <string>
#include <string_view>

namespace roseyd::config_checks {

// The checks of KeyTable's text values: each returns "" for a good value,
// else what is wrong with it, quoting it, for the error that names the key.

// "host:port" or "[v6]:port" with port 0..65535; "" (not set) is good too.
std::string CheckListenAddress(std::string_view text);
// Not empty once trimmed.
std::string NonEmpty(std::string_view text);
// A NATS subject or queue name: no whitespace, no wildcards, no empty token.
std::string SubjectPart(std::string_view text, bool allow_empty);
// A JetStream stream or consumer name: no spaces, dots or wildcards.
std::string StreamName(std::string_view text);
// A plugin name as the storage API's subjects carry it: one NATS token.
std::string PluginName(std::string_view text);

}  // namespace roseyd::config_checks
