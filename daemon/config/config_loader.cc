#include "config/config_loader.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "base/redact_url.h"
#include "base/startup_error.h"
#include "config/key_suggestions.h"
#include "config/key_table.h"
#include "config/store_url.h"
#include "config/value_text.h"

extern char** environ;

namespace roseyd {
namespace {

using std::chrono::nanoseconds;
using config_text::FormatDuration;
using config_text::Quote;

[[noreturn]] void Fail(const std::string& source, const std::string& message) {
  throw StartupError("config", source + ": " + message);
}

// Where YAML came from: a file (whose marks give line and column), or a
// --set value (whose marks would mislead).
struct YamlSource {
  std::string name;  // the file's path, or "--set"
  bool has_lines = true;
};

// Applies values in precedence order and remembers where each came from, so a
// cross-field error can name the source to fix.
class Builder {
 public:
  void Set(const KeyDef& def, std::string_view text, const std::string& source) {
    if (std::string problem = def.set(&config_, text); !problem.empty()) {
      Fail(source, def.key + ": " + problem);
    }
    origin_[def.key] = source;
  }

  void LoadFile(const std::string& path) {
    const YAML::Node root = ParseFile(path);
    if (root.IsNull()) return;  // an empty file (or only comments) changes nothing
    const YamlSource source{path, true};
    if (!root.IsMap()) {
      Fail(Where(source, root.Mark()),
           "expected a mapping of sections at the top level, got " + KindName(root));
    }
    std::set<std::string> seen;
    Walk(source, root, "", &seen);
  }

  // One command-line value. --set's is YAML where YAML says more than the
  // text: a mapping for a section, a list for a list key, a quoted string
  // (its text, unquoted); anything else (a plain word, or text YAML cannot
  // read, such as [::1]:9464) is taken as typed, as a flag's value is.
  void Override(const ConfigOverride& o) {
    const KeyDef* def = FindKey(o.key);
    const bool section = def == nullptr && o.yaml() && IsSection(o.key);
    if (def == nullptr && !section) Fail(o.flag, UnknownKey(o.key));
    YAML::Node value;
    bool parsed = o.yaml();
    if (parsed) {
      try {
        value = YAML::Load(o.value);
      } catch (const YAML::Exception&) {
        parsed = false;
      }
    }
    const YamlSource source{o.flag, false};
    if (section) {
      if (!parsed || !value.IsMap()) {
        // Not KindName: a scalar's text may be a secret.
        Fail(o.flag, o.key + " is a section: expected a mapping of its keys such as {" +
                         SomeKeyOf(o.key) + ": ...}");
      }
      std::set<std::string> seen;
      Walk(source, value, o.key, &seen);
      return;
    }
    if (parsed && def->list && value.IsSequence()) {
      SetFromNode(source, *def, value, YAML::Mark::null_mark());
    } else if (parsed && value.IsScalar() && value.Tag() == "!") {  // "quoted" or 'quoted'
      Set(*def, value.Scalar(), o.flag);
    } else {
      Set(*def, o.value, o.flag);
    }
  }

  Config Finish() {
    const auto& nats = config_.nats;
    if (nats.reconnect_wait > nats.reconnect_wait_max) {
      Fail(origin_["nats.reconnect_wait"],
           "nats.reconnect_wait: " + FormatDuration(nats.reconnect_wait) +
               " is longer than nats.reconnect_wait_max (" +
               FormatDuration(nats.reconnect_wait_max) + ", from " +
               origin_["nats.reconnect_wait_max"] + ")");
    }
    CheckAuth();
    if (!config_.store.path.empty() && !config_.store.url.empty()) {
      Fail(origin_["store.path"],
           "store.path '" + config_.store.path + "' and store.url (from " + origin_["store.url"] +
               ") cannot both be set: store.url selects PostgreSQL, which has no database "
               "file; drop one of them");
    }
    const ServiceConfig& service = config_.service;
    if (!service.commit_ack_subject.empty() &&
        (service.commit_ack_subject + ".").starts_with(service.subject_prefix + ".")) {
      Fail(origin_["service.commit_ack_subject"],
           "service.commit_ack_subject: '" + service.commit_ack_subject +
               "' is under service.subject_prefix '" + service.subject_prefix +
               "': roseyd would receive its own acknowledgements as events");
    }
    CheckBenchSubjects();
    if (config_.bench.control.enabled && config_.bench.control.token.empty()) {
      Fail(origin_["bench.control.enabled"],
           "bench.control.enabled needs bench.control.token (or ROSEYD_BENCH_CONTROL_TOKEN): "
           "control requests without a token are refused");
    }
    return std::move(config_);
  }

 private:
  // Where `a` was set, unless it is at its default and `b` is not: the
  // source to name for a clash between two keys.
  std::string OriginOf(const std::string& a, const std::string& b) {
    return origin_[a] == "defaults" && origin_[b] != "defaults" ? origin_[b] : origin_[a];
  }

  // The load generator's service instance must share no subject with the
  // bot's service, and must not receive the control requests.
  void CheckBenchSubjects() {
    const std::string bench = config_.bench.subject_prefix + ".";
    const std::string bot = config_.service.subject_prefix + ".";
    const std::string control = config_.bench.control.subject_prefix + ".";
    if (bench.starts_with(bot) || bot.starts_with(bench)) {
      Fail(OriginOf("bench.subject_prefix", "service.subject_prefix"),
           "bench.subject_prefix: '" + config_.bench.subject_prefix +
               "' overlaps service.subject_prefix '" + config_.service.subject_prefix +
               "': the load generator would publish on the bot's subjects");
    }
    if (!config_.bench.store_url.empty() && config_.bench.store_url == config_.store.url) {
      Fail(OriginOf("bench.store_url", "store.url"),
           "bench.store_url is store.url: the failover scenario needs a PostgreSQL database "
           "of its own (its writers' claim would contend with the bot's)");
    }
    if (control.starts_with(bench)) {
      Fail(OriginOf("bench.subject_prefix", "bench.control.subject_prefix"),
           "bench.subject_prefix: '" + config_.bench.subject_prefix +
               "' covers bench.control.subject_prefix '" + config_.bench.control.subject_prefix +
               "': the benchmark's service would receive the control requests");
    }
  }

  // One way to authenticate at most; files must be readable now, not at the
  // first reconnect; secrets from files land in password and token.
  void CheckAuth() {
    NatsAuthConfig& auth = config_.nats.auth;
    const std::map<std::string_view, const std::string*> values = {
        {"user", &auth.user},
        {"password", &auth.password},
        {"password_file", &auth.password_file},
        {"token", &auth.token},
        {"token_file", &auth.token_file},
        {"credentials_file", &auth.credentials_file},
        {"nkey", &auth.nkey},
        {"nkey_seed_file", &auth.nkey_seed_file},
        {"tls_ca_file", &auth.tls_ca_file},
        {"tls_cert_file", &auth.tls_cert_file},
        {"tls_key_file", &auth.tls_key_file}};
    // Empty counts as unset: the shipped file lists every key, empty.
    const auto set = [&](const char* key) { return !values.at(key)->empty(); };
    const auto conflict = [&](const char* a, const char* b) {
      if (set(a) && set(b)) {
        Fail(origin_[std::string("nats.auth.") + a],
             std::string("nats.auth.") + a + " and nats.auth." + b + " (from " +
                 origin_[std::string("nats.auth.") + b] + ") cannot both be set");
      }
    };
    const auto requires_key = [&](const char* a, const char* b) {
      if (set(a) && !set(b)) {
        Fail(origin_[std::string("nats.auth.") + a],
             std::string("nats.auth.") + a + " needs nats.auth." + b);
      }
    };
    conflict("password", "password_file");
    conflict("token", "token_file");
    for (const char* other : {"user", "credentials_file", "nkey"}) {
      conflict("token", other);
      conflict("token_file", other);
    }
    conflict("user", "credentials_file");
    conflict("user", "nkey");
    conflict("credentials_file", "nkey");
    requires_key("password", "user");
    requires_key("password_file", "user");
    requires_key("nkey", "nkey_seed_file");
    requires_key("nkey_seed_file", "nkey");
    requires_key("tls_cert_file", "tls_key_file");
    requires_key("tls_key_file", "tls_cert_file");
    if (set("password_file")) auth.password = ReadSecret("password_file", auth.password_file);
    if (set("token_file")) auth.token = ReadSecret("token_file", auth.token_file);
    for (const auto& [key, path] : {std::pair{"credentials_file", &auth.credentials_file},
                                    std::pair{"nkey_seed_file", &auth.nkey_seed_file},
                                    std::pair{"tls_ca_file", &auth.tls_ca_file},
                                    std::pair{"tls_cert_file", &auth.tls_cert_file},
                                    std::pair{"tls_key_file", &auth.tls_key_file}}) {
      if (set(key)) (void)ReadSecret(key, *path);
    }
  }

  // The file's text without a trailing newline; fails naming key and file.
  std::string ReadSecret(const char* key, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      Fail(origin_[std::string("nats.auth.") + key],
           std::string("nats.auth.") + key + ": cannot read '" + path + "': " +
               std::strerror(errno));
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }

  static std::string Where(const YamlSource& source, const YAML::Mark& mark) {
    if (!source.has_lines || mark.is_null()) return source.name;
    return source.name + ":" + std::to_string(mark.line + 1) + ":" +
           std::to_string(mark.column + 1);
  }

  // The last name of one key in `section`, for an example.
  static std::string SomeKeyOf(const std::string& section) {
    for (const auto& def : KeyTable()) {
      if (def.key.starts_with(section + ".")) return def.key.substr(section.size() + 1);
    }
    return "key";
  }

  static std::string KindName(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Map:
        return "a mapping";
      case YAML::NodeType::Sequence:
        return "a list";
      case YAML::NodeType::Scalar:
        return "the value " + Quote(node.Scalar());
      default:
        return "nothing";
    }
  }

  static YAML::Node ParseFile(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      Fail(path, "cannot read config file: it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) Fail(path, std::string("cannot read config file: ") + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) Fail(path, std::string("cannot read config file: ") + std::strerror(errno));
    try {
      return YAML::Load(text.str());
    } catch (const YAML::Exception& e) {
      Fail(Where(YamlSource{path, true}, e.mark), "invalid YAML: " + e.msg);
    }
  }

  // A list key's YAML sequence as the comma-separated text its setter reads.
  static std::string JoinList(const std::string& where, const std::string& key,
                              const YAML::Node& sequence) {
    std::string joined;
    for (const auto& item : sequence) {
      if (!item.IsScalar()) Fail(where, key + ": expected a list of names, got " + KindName(item));
      if (item.Scalar().find(',') != std::string::npos) {
        Fail(where, key + ": " + Quote(item.Scalar()) + " contains a ','");
      }
      joined += (joined.empty() ? "" : ",") + item.Scalar();
    }
    return joined;
  }

  // Sets `def` from a YAML value: a scalar, nothing (empty), or a list for
  // a list key. `name_mark`: where its name stands, for errors.
  void SetFromNode(const YamlSource& source, const KeyDef& def, const YAML::Node& value,
                   const YAML::Mark& name_mark) {
    const std::string where = Where(source, name_mark);
    if (def.list && value.IsSequence()) {
      Set(def, JoinList(where, def.key, value), Where(source, value.Mark()));
      return;
    }
    if (value.IsMap() || value.IsSequence()) {
      Fail(where, def.key + ": expected a single value, got " + KindName(value));
    }
    Set(def, value.IsNull() ? std::string() : value.Scalar(), Where(source, value.Mark()));
  }

  void Walk(const YamlSource& source, const YAML::Node& map, const std::string& prefix,
            std::set<std::string>* seen) {
    for (const auto& entry : map) {
      const YAML::Node& name_node = entry.first;
      const YAML::Node& value = entry.second;
      const std::string where = Where(source, name_node.Mark());
      if (!name_node.IsScalar()) Fail(where, "expected a key name, got " + KindName(name_node));
      const std::string key =
          prefix.empty() ? name_node.Scalar() : prefix + "." + name_node.Scalar();
      if (!seen->insert(key).second) Fail(where, key + ": duplicate key");
      if (const KeyDef* def = FindKey(key)) {
        SetFromNode(source, *def, value, name_node.Mark());
      } else if (IsSection(key)) {
        if (value.IsNull()) continue;  // a section with every key commented out
        if (!value.IsMap()) {
          Fail(where, key + ": expected a mapping of keys, got " + KindName(value));
        }
        Walk(source, value, key, seen);
      } else {
        Fail(where, UnknownKey(key));
      }
    }
  }

  Config config_;
  std::map<std::string, std::string> origin_;
};

}  // namespace

Config LoadConfig(const ConfigSources& sources) {
  Builder builder;
  for (const auto& def : KeyTable()) builder.Set(def, def.get(Config()), "defaults");
  if (!sources.file.empty()) builder.LoadFile(sources.file);
  for (const auto& def : KeyTable()) {
    const std::string env = def.Env();
    if (auto it = sources.env.find(env); it != sources.env.end()) {
      builder.Set(def, it->second, "environment variable " + env);
    }
  }
  for (const ConfigOverride& o : sources.overrides) builder.Override(o);
  return builder.Finish();
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    env.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return env;
}

std::vector<ConfigKey> ConfigKeys() {
  const Config defaults;
  std::vector<ConfigKey> keys;
  for (const auto& def : KeyTable()) keys.push_back({def.key, def.Env(), def.get(defaults), def.help});
  return keys;
}

std::vector<std::string> UnknownVariables(const std::map<std::string, std::string>& env) {
  std::vector<std::string> warnings;
  for (const auto& entry : env) {
    // Not a structured binding: clang before 16 cannot capture one in a lambda.
    const std::string& name = entry.first;
    if (!name.starts_with(kEnvPrefix) || name == "ROSEYD_CONFIG") continue;
    const bool known = std::any_of(KeyTable().begin(), KeyTable().end(),
                                   [&](const KeyDef& def) { return def.Env() == name; });
    if (known) continue;
    std::string warning = "environment variable " + name + " is not a roseyd setting; ignored";
    const std::vector<std::string> picks = CloseVariables(name);
    for (size_t i = 0; i < picks.size(); ++i) {
      warning += (i == 0 ? " (did you mean " : " or ") + picks[i];
    }
    if (!picks.empty()) warning += "?)";
    warnings.push_back(std::move(warning));
  }
  return warnings;
}

std::optional<std::string> ConfigValue(const Config& config, std::string_view key) {
  const KeyDef* def = FindKey(key);
  if (def == nullptr) return std::nullopt;
  return def->get(config);
}

std::string DescribeConfig(const Config& config) {
  std::string text;
  for (const auto& def : KeyTable()) {
    std::string value = def.get(config);
    const bool secret = def.key == "nats.auth.password" || def.key == "nats.auth.token" ||
                        def.key == "bench.control.token";
    if (secret && !value.empty()) value = "***";
    if (def.key == "nats.url") value = RedactUrl(value);
    if (def.key == "store.url" || def.key == "bench.store_url") value = RedactStoreUrl(value);
    text += def.key + ": \"" + value + "\"\n";
  }
  return text;
}

}  // namespace roseyd
