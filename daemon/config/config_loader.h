#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"

namespace roseyd {

// One value given on the command line: `--set KEY=VALUE`, or a flag that
// stands for one key (--db PATH is store.path). A --set VALUE is YAML, as in
// a file: `[a, b]` is a list, `{user: u, password_file: f}` sets the keys of
// a section, `"a: b"` is the quoted text, and nothing at all is empty. A
// flag's value is taken as written.
struct ConfigOverride {
  ConfigOverride(std::string key, std::string value, std::string flag = "--set")
      : key(std::move(key)), value(std::move(value)), flag(std::move(flag)) {}
  bool yaml() const { return flag == "--set"; }

  std::string key;
  std::string value;
  std::string flag;  // how it was given, for messages: "--set", "--db", ...
};

// Where a config comes from, in increasing precedence: the defaults in
// config.h, the YAML file (if any), ROSEYD_* environment variables, then
// the command line's overrides, in order.
struct ConfigSources {
  std::string file;  // empty: defaults only
  std::map<std::string, std::string> env;  // normally the process environment
  std::vector<ConfigOverride> overrides;
};

// Builds and validates a Config. Throws StartupError("config", ...) whose
// message names the file (or variable, or flag), the key and what is wrong:
// an unknown key, a value of the wrong type, a value out of range, a NATS
// URL of a scheme NATS does not speak, store.path beside store.url.
Config LoadConfig(const ConfigSources& sources);

// One warning for each ROSEYD_* variable in `env` that is no setting (and not
// ROSEYD_CONFIG), naming the closest real ones: LoadConfig ignores them, and a
// misspelt variable should not go unnoticed.
std::vector<std::string> UnknownVariables(const std::map<std::string, std::string>& env);

// The process environment as a map, for ConfigSources::env.
std::map<std::string, std::string> ProcessEnvironment();

// Every key LoadConfig knows, with its environment variable name, default
// and one-line description (for --help and docs/CONFIGURATION.md's reference).
struct ConfigKey {
  std::string key;
  std::string env;
  std::string default_value;
  std::string help;
};
std::vector<ConfigKey> ConfigKeys();

// The value of `key` in `config`, written as a file or --set would give it
// (durations with their unit); nullopt for an unknown key.
std::optional<std::string> ConfigValue(const Config& config, std::string_view key);

// Every key with its value in `config`, one `key: "value"` line each, secrets
// shown as *** (and a URL's user:password@ as ***@): the config a benchmark
// report records and check-config prints.
std::string DescribeConfig(const Config& config);

}  // namespace roseyd
