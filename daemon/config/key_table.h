#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace roseyd {

// One configuration key. The table of them is the only place that knows the
// keys: the YAML walk, the environment, --set, validation, ConfigKeys(),
// ConfigValue() and DescribeConfig() all read it. Private to the config part.
struct KeyDef {
  std::string key;   // "store.batch_max_events"
  std::string help;  // one line, with units
  // Parses `text` into the field; returns the problem, or "" when valid.
  std::function<std::string(Config*, std::string_view)> set;
  // The field as text, in a form `set` accepts back.
  std::function<std::string(const Config&)> get;
  // A list: a YAML sequence is accepted and given to `set` joined with ","
  // (the form the environment and --set use).
  bool list = false;

  std::string Env() const;  // ROSEYD_STORE_BATCH_MAX_EVENTS
};

inline constexpr std::string_view kEnvPrefix = "ROSEYD_";

// Every key, in the order of config/roseyd.yaml.
const std::vector<KeyDef>& KeyTable();
// The key named `key`, or nullptr.
const KeyDef* FindKey(std::string_view key);
// True for "nats" and "nats.embedded": every proper dotted prefix of a key.
bool IsSection(std::string_view name);

}  // namespace roseyd
