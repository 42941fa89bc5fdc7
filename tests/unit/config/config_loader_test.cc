#include "config/config_loader.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "base/startup_error.h"
#include "config/store_url.h"
#include "support/temp_dir.h"

namespace roseyd {
namespace {

using namespace std::chrono_literals;

const std::string kShippedConfig = std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml";

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// Key by key, from the key table, so a mismatch names the key and no key
// added later escapes the comparison.
::testing::AssertionResult SameConfig(const Config& a, const Config& b) {
  std::string differences;
  for (const auto& key : ConfigKeys()) {
    const auto va = ConfigValue(a, key.key);
    const auto vb = ConfigValue(b, key.key);
    if (!va || !vb) return ::testing::AssertionFailure() << "no value for " << key.key;
    if (*va != *vb) differences += "\n  " + key.key + ": '" + *va + "' vs '" + *vb + "'";
  }
  if (differences.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "configs differ:" << differences;
}

void ExpectSameConfig(const Config& a, const Config& b) { EXPECT_TRUE(SameConfig(a, b)); }

std::string FindEnv(const std::string& key) {
  for (const auto& k : ConfigKeys()) {
    if (k.key == key) return k.env;
  }
  ADD_FAILURE() << "no key " << key;
  return "";
}

class ConfigLoaderTest : public ::testing::Test {
 protected:
  // Writes `yaml` to a file in the temp dir and points sources_ at it.
  std::string WriteConfig(const std::string& yaml) {
    const std::string path = dir_.File("roseyd.yaml");
    std::ofstream(path) << yaml;
    sources_.file = path;
    return path;
  }

  // The StartupError message LoadConfig throws, or "" (and a failure).
  std::string LoadError() {
    try {
      LoadConfig(sources_);
    } catch (const StartupError& e) {
      EXPECT_EQ(e.subsystem(), "config");
      return e.what();
    }
    ADD_FAILURE() << "LoadConfig did not throw";
    return "";
  }

  testing::TempDir dir_;
  ConfigSources sources_;
};

TEST_F(ConfigLoaderTest, NoSourcesGiveDefaults) {
  ExpectSameConfig(LoadConfig(sources_), Config());
}

// The binary runs no benchmark at start; only the demo config (the shipped
// file, which scripts/run.sh and the compose stack use) turns it on. A
// config file that does not name bench.run_at_start never gets it.
TEST_F(ConfigLoaderTest, NoBenchmarkAtStartUnlessAConfigAsksForIt) {
  EXPECT_EQ(Config().bench.run_at_start, "");
  WriteConfig("store:\n  batch_max_events: 500\n");
  EXPECT_EQ(LoadConfig(sources_).bench.run_at_start, "");
}

TEST_F(ConfigLoaderTest, ShippedFileEqualsDefaultsButForTheDemoBenchmark) {
  sources_.file = kShippedConfig;
  const Config shipped = LoadConfig(sources_);
  EXPECT_EQ(shipped.bench.run_at_start, "quick");
  sources_.overrides = {{"bench.run_at_start", ""}};
  ExpectSameConfig(LoadConfig(sources_), Config());
}

TEST_F(ConfigLoaderTest, ShippedFileSetsEveryKey) {
  const YAML::Node root = YAML::LoadFile(kShippedConfig);
  for (const auto& key : ConfigKeys()) {
    YAML::Node node = root;
    for (size_t start = 0, dot; start != std::string::npos;
         start = dot == std::string::npos ? dot : dot + 1) {
      dot = key.key.find('.', start);
      node.reset(node[key.key.substr(start, dot - start)]);
      ASSERT_TRUE(node.IsDefined()) << key.key << " is missing from " << kShippedConfig;
    }
    EXPECT_TRUE(node.IsScalar()) << key.key;
  }
}

TEST_F(ConfigLoaderTest, FileOverridesDefaults) {
  WriteConfig(R"(
data_dir: /var/lib/roseyd
log: {level: DEBUG, format: json}
nats:
  url: nats://10.0.0.1:4222
  reconnect_wait: 100ms
  embedded:
    port: 0
    jetstream: no
    ready_timeout: 1m
service:
  request_workers: 8
  request_timeout: 2000us
store:
  synchronous: full
  batch_max_events: 500
  batch_max_delay: 5ms
  maintenance_interval: 2h
  write_queue_capacity: 100000000
metrics:
  listen: "[::1]:0"
)");
  const Config c = LoadConfig(sources_);
  EXPECT_EQ(c.data_dir, "/var/lib/roseyd");
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_EQ(c.nats.url, "nats://10.0.0.1:4222");
  EXPECT_EQ(c.nats.reconnect_wait, 100ms);
  EXPECT_EQ(c.nats.embedded.port, 0);
  EXPECT_FALSE(c.nats.embedded.jetstream);
  EXPECT_EQ(c.nats.embedded.ready_timeout, 60s);
  EXPECT_EQ(c.service.request_workers, 8);
  EXPECT_EQ(c.service.request_timeout, 2ms);
  EXPECT_EQ(c.store.synchronous, "full");
  EXPECT_EQ(c.store.batch_max_events, 500);
  EXPECT_EQ(c.store.batch_max_delay, 5ms);
  EXPECT_EQ(c.store.maintenance_interval, 2h);
  EXPECT_EQ(c.store.write_queue_capacity, 100'000'000);
  EXPECT_EQ(c.metrics.listen, "[::1]:0");
  // Untouched keys keep their defaults.
  EXPECT_EQ(c.nats.name, Config().nats.name);
  EXPECT_EQ(c.store.busy_timeout, Config().store.busy_timeout);
}

TEST_F(ConfigLoaderTest, EmptyFileAndEmptySectionsChangeNothing) {
  WriteConfig("# nothing here\n");
  ExpectSameConfig(LoadConfig(sources_), Config());
  WriteConfig("store:\nmetrics:\n  # listen: ''\n");
  ExpectSameConfig(LoadConfig(sources_), Config());
}

TEST_F(ConfigLoaderTest, AcceptsEveryBoolSpelling) {
  for (const char* yes : {"true", "yes", "on", "1", "True", "YES"}) {
    sources_.overrides = {{"nats.embedded.jetstream", "false"}, {"nats.embedded.jetstream", yes}};
    EXPECT_TRUE(LoadConfig(sources_).nats.embedded.jetstream) << yes;
  }
  for (const char* no : {"false", "no", "off", "0", "Off"}) {
    sources_.overrides = {{"nats.embedded.jetstream", no}};
    EXPECT_FALSE(LoadConfig(sources_).nats.embedded.jetstream) << no;
  }
}

TEST_F(ConfigLoaderTest, EnvOverridesFile) {
  WriteConfig("store:\n  batch_max_events: 500\nnats:\n  embedded:\n    port: 5000\n");
  sources_.env = {{"ROSEYD_STORE_BATCH_MAX_EVENTS", "600"},
                  {"ROSEYD_NATS_EMBEDDED_PORT", "6000"},
                  {"ROSEYD_LOG_LEVEL", "warn"}};
  const Config c = LoadConfig(sources_);
  EXPECT_EQ(c.store.batch_max_events, 600);
  EXPECT_EQ(c.nats.embedded.port, 6000);
  EXPECT_EQ(c.log.level, "warn");
}

TEST_F(ConfigLoaderTest, SetOverridesEnv) {
  WriteConfig("store:\n  batch_max_events: 500\n");
  sources_.env = {{"ROSEYD_STORE_BATCH_MAX_EVENTS", "600"}};
  sources_.overrides = {{"store.batch_max_events", "700"}, {"metrics.listen", ""}};
  const Config c = LoadConfig(sources_);
  EXPECT_EQ(c.store.batch_max_events, 700);
  EXPECT_EQ(c.metrics.listen, "");
}

TEST_F(ConfigLoaderTest, IgnoresOtherEnvironmentVariables) {
  sources_.env = {{"ROSEYD_CONFIG", "/etc/roseyd.yaml"},
                  {"ROSEYD_NO_SUCH_KEY", "1"},
                  {"PATH", "/usr/bin"},
                  {"store.batch_max_events", "5"}};
  ExpectSameConfig(LoadConfig(sources_), Config());
}

TEST_F(ConfigLoaderTest, UnknownKeyNamesFileAndSuggests) {
  const std::string path = WriteConfig("store:\n  batch_max_event: 10\n");
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error, path + ":2:3: unknown key 'store.batch_max_event'"));
  EXPECT_TRUE(Contains(error, "(did you mean 'store.batch_max_events'"));
}

TEST_F(ConfigLoaderTest, UnknownKeySuggestsSimilarNames) {
  WriteConfig("store:\n  batch_size: 10\n");
  EXPECT_TRUE(Contains(LoadError(), "did you mean 'store.batch_max_events'"));
  WriteConfig("stor:\n  batch_max_events: 10\n");
  EXPECT_TRUE(Contains(LoadError(), "unknown key 'stor' (did you mean 'store'?)"));
  // A key in the wrong section is found by its name.
  WriteConfig("nats:\n  busy_timeout: 1s\n");
  EXPECT_TRUE(Contains(LoadError(), "(did you mean 'store.busy_timeout'?)"));
  WriteConfig("zzzzzzzz: 1\n");
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error, "unknown key 'zzzzzzzz'"));
  EXPECT_FALSE(Contains(error, "did you mean"));
}

TEST_F(ConfigLoaderTest, WrongTypeNamesFileKeyAndValue) {
  const std::string path = WriteConfig("nats:\n  embedded:\n    port: four\n");
  EXPECT_TRUE(
      Contains(LoadError(), path + ":3:11: nats.embedded.port: expected an integer, got 'four'"));
  WriteConfig("nats:\n  embedded:\n    jetstream: maybe\n");
  EXPECT_TRUE(
      Contains(LoadError(), "nats.embedded.jetstream: expected true or false, got 'maybe'"));
  WriteConfig("store:\n  batch_max_events: [1, 2]\n");
  EXPECT_TRUE(Contains(LoadError(), "store.batch_max_events: expected a single value, got a list"));
  WriteConfig("store: 5\n");
  EXPECT_TRUE(Contains(LoadError(), "store: expected a mapping of keys, got the value '5'"));
  WriteConfig("- a\n- b\n");
  EXPECT_TRUE(Contains(LoadError(), "expected a mapping of sections at the top level"));
}

TEST_F(ConfigLoaderTest, OutOfRangeNamesTheRange) {
  WriteConfig("nats:\n  embedded:\n    port: 70000\n");
  EXPECT_TRUE(Contains(LoadError(), "nats.embedded.port: 70000 is out of range (0..65535)"));
  sources_.file.clear();
  sources_.overrides = {{"store.batch_max_events", "0"}};
  EXPECT_TRUE(
      Contains(LoadError(), "--set: store.batch_max_events: 0 is out of range (1..100000)"));
  sources_.overrides = {{"service.request_workers", "65"}};
  EXPECT_TRUE(Contains(LoadError(), "service.request_workers: 65 is out of range (1..64)"));
  sources_.overrides = {{"service.max_payload_bytes", "67108865"}};
  EXPECT_TRUE(Contains(LoadError(), "out of range (1..67108864)"));
  sources_.overrides = {{"nats.pending_msgs_limit", "-1"}};
  EXPECT_TRUE(Contains(LoadError(), "nats.pending_msgs_limit: -1 is out of range"));
  sources_.overrides = {{"store.batch_max_delay", "11s"}};
  EXPECT_TRUE(Contains(LoadError(), "store.batch_max_delay: '11s' is out of range (0s..10s)"));
}

TEST_F(ConfigLoaderTest, AClusterTakesAServerListAndAReplicaCount) {
  sources_.overrides = {{"nats.url", "nats://a:4222, nats://b:4222,nats://c:4222"},
                        {"service.jetstream.replicas", "3"}};
  const Config config = LoadConfig(sources_);
  EXPECT_EQ(config.nats.url, "nats://a:4222, nats://b:4222,nats://c:4222");
  EXPECT_EQ(config.service.jetstream.replicas, 3);
  EXPECT_EQ(Config().service.jetstream.replicas, 1);
  sources_.overrides = {{"service.jetstream.replicas", "0"}};
  EXPECT_TRUE(Contains(LoadError(), "service.jetstream.replicas: 0 is out of range (1..5)"));
  sources_.overrides = {{"service.jetstream.replicas", "6"}};
  EXPECT_TRUE(Contains(LoadError(), "service.jetstream.replicas: 6 is out of range (1..5)"));
  // An empty entry is refused, and the password in another stays hidden.
  sources_.overrides = {{"nats.url", "nats://u:s3cret@a:4222,,nats://b:4222"}};
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error, "nats.url: expected a URL or comma-separated URLs"));
  EXPECT_TRUE(Contains(error, "nats://***@a:4222"));
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
}

TEST_F(ConfigLoaderTest, DurationNeedsAUnit) {
  const std::string path = WriteConfig("nats:\n  reconnect_wait: 250\n");
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error, path + ":2:19: nats.reconnect_wait: duration '250' needs a unit"));
  EXPECT_TRUE(Contains(error, "'250ms'"));
  sources_.file.clear();
  sources_.overrides = {{"store.busy_timeout", "5 fortnights"}};
  EXPECT_TRUE(
      Contains(LoadError(), "store.busy_timeout: duration '5 fortnights' has an unknown unit"));
  sources_.overrides = {{"store.busy_timeout", "-5s"}};
  EXPECT_TRUE(Contains(LoadError(), "store.busy_timeout: expected a duration"));
}

TEST_F(ConfigLoaderTest, DurationFinerThanTheFieldIsRefused) {
  sources_.overrides = {{"store.busy_timeout", "1500us"}};
  EXPECT_TRUE(Contains(LoadError(), "'1500us' is finer than this key's resolution of 1ms"));
  sources_.overrides = {{"store.retention_interval", "90s"}, {"store.busy_timeout", "3000us"}};
  const Config c = LoadConfig(sources_);
  EXPECT_EQ(c.store.retention_interval, 90s);
  EXPECT_EQ(c.store.busy_timeout, 3ms);
}

TEST_F(ConfigLoaderTest, BadEnumListsTheChoices) {
  WriteConfig("log:\n  level: verbose\n");
  EXPECT_TRUE(Contains(
      LoadError(),
      "log.level: 'verbose' is not one of trace, debug, info, warn, error, critical, off"));
  WriteConfig("store:\n  synchronous: sometimes\n");
  EXPECT_TRUE(Contains(LoadError(),
                       "store.synchronous: 'sometimes' is not one of off, normal, full, extra"));
}

TEST_F(ConfigLoaderTest, SyntaxErrorNamesLineAndColumn) {
  const std::string path = WriteConfig("store:\n  batch_max_events: 10\n  path: [unclosed\n");
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error, path + ":"));
  EXPECT_TRUE(Contains(error, "invalid YAML"));
  WriteConfig("log:\n  level: info\n level: debug\n");
  EXPECT_TRUE(Contains(LoadError(), path + ":3:"));
}

TEST_F(ConfigLoaderTest, DuplicateKeyIsAnError) {
  const std::string path = WriteConfig("store:\n  path: a.db\n  path: b.db\n");
  EXPECT_TRUE(Contains(LoadError(), path + ":3:3: store.path: duplicate key"));
}

TEST_F(ConfigLoaderTest, MissingFileNamesThePath) {
  sources_.file = dir_.File("absent.yaml");
  EXPECT_TRUE(Contains(LoadError(), sources_.file + ": cannot read config file: No such file"));
  sources_.file = dir_.path();
  EXPECT_TRUE(Contains(LoadError(), dir_.path() + ": cannot read config file"));
}

TEST_F(ConfigLoaderTest, EnvErrorNamesTheVariable) {
  sources_.env = {{"ROSEYD_NATS_EMBEDDED_PORT", "http"}};
  EXPECT_TRUE(Contains(LoadError(),
                       "config: environment variable ROSEYD_NATS_EMBEDDED_PORT: "
                       "nats.embedded.port: expected an integer, got 'http'"));
}

TEST_F(ConfigLoaderTest, SetRejectsUnknownKey) {
  sources_.overrides = {{"store.batch_maxevents", "5"}};
  EXPECT_TRUE(Contains(LoadError(),
                       "--set: unknown key 'store.batch_maxevents' (did you mean "
                       "'store.batch_max_events'"));
  // A section is no key; --set gives it its keys as a YAML mapping.
  sources_.overrides = {{"store", "5"}};
  EXPECT_TRUE(Contains(LoadError(), "--set: store is a section: expected a mapping of its keys"));
}

// service.storage_plugins is a list: a YAML sequence in a file, "a,b" in the
// environment or --set, each item a plugin name (one subject token).
TEST_F(ConfigLoaderTest, StoragePluginsIsAListOfPluginNames) {
  WriteConfig("service:\n  storage_plugins: [quote-db, trivia]\n");
  EXPECT_EQ(LoadConfig(sources_).service.storage_plugins,
            (std::vector<std::string>{"quote-db", "trivia"}));
  sources_.overrides = {{"service.storage_plugins", " countdown , ,quote-db"}};
  const Config listed = LoadConfig(sources_);
  EXPECT_EQ(listed.service.storage_plugins,
            (std::vector<std::string>{"countdown", "quote-db"}));
  EXPECT_EQ(ConfigValue(listed, "service.storage_plugins"), "countdown,quote-db");
  sources_.overrides = {{"service.storage_plugins", ""}};
  EXPECT_TRUE(LoadConfig(sources_).service.storage_plugins.empty());
  sources_.overrides = {{"service.storage_plugins", "a.b"}};
  EXPECT_TRUE(Contains(LoadError(), "'a.b' is not a plugin name"));
  sources_.overrides.clear();
  WriteConfig("service:\n  storage_plugins: [[nested]]\n");
  EXPECT_TRUE(Contains(LoadError(), "service.storage_plugins: expected a list of names"));
  WriteConfig("service:\n  max_payload_bytes: [1, 2]\n");
  EXPECT_TRUE(Contains(LoadError(), "expected a single value, got a list"));
}

// --set VALUE is YAML where YAML says more than the text: a list for a
// list key, a mapping for a section, a quoted string; the rest as typed.
TEST_F(ConfigLoaderTest, SetValuesAreYaml) {
  sources_.overrides = {{"service.storage_plugins", "[quote-db, trivia]"}};
  EXPECT_EQ(LoadConfig(sources_).service.storage_plugins,
            (std::vector<std::string>{"quote-db", "trivia"}));
  sources_.overrides = {{"service.storage_plugins", "[]"}};
  EXPECT_TRUE(LoadConfig(sources_).service.storage_plugins.empty());
  sources_.overrides = {{"nats.name", "\"roseyd: the bot's\""},
                        {"bench.control.token", "'a #b'"},
                        {"bench.run_at_start", "\"\""}};
  Config quoted = LoadConfig(sources_);
  EXPECT_EQ(quoted.nats.name, "roseyd: the bot's");
  EXPECT_EQ(quoted.bench.control.token, "a #b");
  EXPECT_EQ(quoted.bench.run_at_start, "");
  // A section's keys at once.
  sources_.overrides = {{"bench.control", "{enabled: true, token: t, max_rate: 50}"}};
  const Config section = LoadConfig(sources_);
  EXPECT_TRUE(section.bench.control.enabled);
  EXPECT_EQ(section.bench.control.max_rate, 50);
  // Plain text stays as typed, YAML or not.
  sources_.overrides = {{"metrics.listen", "[::1]:9464"}, {"nats.name", "a #b"},
                        {"bench.run_at_start", ""}};
  const Config plain = LoadConfig(sources_);
  EXPECT_EQ(plain.metrics.listen, "[::1]:9464");
  EXPECT_EQ(plain.nats.name, "a #b");
  // Errors name the flag and the key, never a value.
  sources_.overrides = {{"bench.control", "s3cret"}};
  std::string error = LoadError();
  EXPECT_TRUE(Contains(error, "--set: bench.control is a section: expected a mapping of its keys"))
      << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
  sources_.overrides = {{"bench.control", "{enabled: true, tokn: t}"}};
  EXPECT_TRUE(Contains(LoadError(), "--set: unknown key 'bench.control.tokn'"));
  sources_.overrides = {{"service.storage_plugins", "[[a]]"}};
  EXPECT_TRUE(Contains(LoadError(), "service.storage_plugins: expected a list of names"));
}

// Only --set is YAML: the environment and flags such as --db are text, and
// a list in a variable is "a,b"; YAML's brackets there are refused, not kept
// as part of a plugin's name.
TEST_F(ConfigLoaderTest, VariablesAndFlagsAreTakenAsTyped) {
  sources_.env = {{"ROSEYD_SERVICE_STORAGE_PLUGINS", "[a, b]"}};
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error, "environment variable ROSEYD_SERVICE_STORAGE_PLUGINS: "
                              "service.storage_plugins: '[a' is not a plugin name"))
      << error;
  EXPECT_TRUE(Contains(error, "give the names as a,b")) << error;
  sources_.env = {{"ROSEYD_SERVICE_STORAGE_PLUGINS", "a,b"}};
  EXPECT_EQ(LoadConfig(sources_).service.storage_plugins, (std::vector<std::string>{"a", "b"}));
  sources_.env.clear();
  sources_.overrides = {ConfigOverride("store.path", "\"quoted.db\"", "--db")};
  EXPECT_EQ(LoadConfig(sources_).store.path, "\"quoted.db\"");
}

// store.url selects PostgreSQL, where a database file means nothing: --db
// (or store.path from anywhere) beside it is refused, naming both sources.
TEST_F(ConfigLoaderTest, DbBesideStoreUrlIsRefused) {
  sources_.env = {{"ROSEYD_STORE_URL", "postgresql://rosey:pw@db:5432/rosey"}};
  sources_.overrides = {ConfigOverride("store.path", "/srv/bot_data.db", "--db")};
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error, "--db: store.path '/srv/bot_data.db' and store.url (from "
                              "environment variable ROSEYD_STORE_URL) cannot both be set"))
      << error;
  EXPECT_EQ(error.find("pw@"), std::string::npos) << error;
  WriteConfig("store:\n  path: /srv/a.db\n  url: postgresql://rosey@db/rosey\n");
  sources_.env.clear();
  sources_.overrides.clear();
  EXPECT_TRUE(Contains(LoadError(), "store.path '/srv/a.db' and store.url"));
  // One of them alone is fine.
  sources_.overrides = {{"store.url", ""}};
  EXPECT_EQ(LoadConfig(sources_).store.path, "/srv/a.db");
}

// cnats speaks nats:// and tls:// (a bare host:port is nats://); anything
// else, say the monitoring port's http://, is refused before connecting.
TEST_F(ConfigLoaderTest, NatsUrlsNeedASchemeNatsSpeaks) {
  for (const char* good : {"nats://127.0.0.1:4222", "tls://nats.example:4222",
                           "NATS://a:4222", "localhost:4222", "nats://u:p@a:4222,tls://b:4222"}) {
    sources_.overrides = {ConfigOverride("nats.url", good, "--nats-url")};
    EXPECT_EQ(LoadConfig(sources_).nats.url, good);
  }
  sources_.overrides = {ConfigOverride("nats.url", "http://127.0.0.1:8222", "--nats-url")};
  std::string error = LoadError();
  EXPECT_TRUE(Contains(error, "--nats-url: nats.url: 'http://127.0.0.1:8222': http:// is not a "
                              "scheme NATS speaks; use nats://host:4222"))
      << error;
  EXPECT_TRUE(Contains(error, "NATS monitoring over HTTP")) << error;
  sources_.overrides = {{"nats.url", "nats://a:4222,ws://u:s3cret@b:443"}};
  error = LoadError();
  EXPECT_TRUE(Contains(error, "ws:// is not a scheme NATS speaks")) << error;
  EXPECT_TRUE(Contains(error, "no WebSocket")) << error;
  EXPECT_EQ(error.find("s3cret"), std::string::npos) << error;
  sources_.overrides = {{"nats.url", "nats://:4222"}};
  EXPECT_TRUE(Contains(LoadError(), "names no host"));
  sources_.overrides = {{"nats.url", "127.0.0.1:4222/path"}};
  EXPECT_TRUE(Contains(LoadError(), "expected a URL such as 'nats://127.0.0.1:4222'"));
}

TEST_F(ConfigLoaderTest, ReconnectWaitMustNotExceedItsCeiling) {
  WriteConfig("nats:\n  reconnect_wait_max: 1s\n");
  sources_.env = {{"ROSEYD_NATS_RECONNECT_WAIT", "2s"}};
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error,
                       "environment variable ROSEYD_NATS_RECONNECT_WAIT: nats.reconnect_wait: "
                       "2s is longer than nats.reconnect_wait_max (1s"));
  EXPECT_TRUE(Contains(error, sources_.file));
}

TEST_F(ConfigLoaderTest, MetricsListenMustBeHostPort) {
  for (const char* bad : {"9464", ":9464", "localhost", "127.0.0.1:port", "127.0.0.1:70000",
                          "::1:9464", "[::1:9464", "[]:9464"}) {
    sources_.overrides = {{"metrics.listen", bad}};
    EXPECT_TRUE(Contains(LoadError(), "metrics.listen: expected host:port")) << bad;
  }
  for (const char* good : {"", "0.0.0.0:0", "localhost:9464", "[::1]:9464"}) {
    sources_.overrides = {{"metrics.listen", good}};
    EXPECT_EQ(LoadConfig(sources_).metrics.listen, good);
  }
}

TEST_F(ConfigLoaderTest, ConfigKeysListsEveryKeyWithItsEnvName) {
  const std::vector<ConfigKey> keys = ConfigKeys();
  const std::set<std::string> expected = {"data_dir",
                                          "log.level",
                                          "log.format",
                                          "nats.url",
                                          "nats.name",
                                          "nats.auth.user",
                                          "nats.auth.password",
                                          "nats.auth.password_file",
                                          "nats.auth.token",
                                          "nats.auth.token_file",
                                          "nats.auth.credentials_file",
                                          "nats.auth.nkey",
                                          "nats.auth.nkey_seed_file",
                                          "nats.auth.tls_ca_file",
                                          "nats.auth.tls_cert_file",
                                          "nats.auth.tls_key_file",
                                          "nats.embedded.binary",
                                          "nats.embedded.host",
                                          "nats.embedded.port",
                                          "nats.embedded.jetstream",
                                          "nats.embedded.store_dir",
                                          "nats.embedded.ready_timeout",
                                          "nats.reconnect_wait",
                                          "nats.reconnect_wait_max",
                                          "nats.connect_timeout",
                                          "nats.pending_msgs_limit",
                                          "nats.pending_bytes_limit",
                                          "service.durability",
                                          "service.jetstream.stream",
                                          "service.jetstream.consumer",
                                          "service.jetstream.max_age",
                                          "service.jetstream.max_bytes",
                                          "service.jetstream.ack_wait",
                                          "service.jetstream.replicas",
                                          "service.subject_prefix",
                                          "service.queue_group",
                                          "service.max_payload_bytes",
                                          "service.request_workers",
                                          "service.max_request_limit",
                                          "service.request_timeout",
                                          "service.drain_timeout",
                                          "service.commit_ack_subject",
                                          "service.plugins_dir",
                                          "service.storage_plugins",
                                          "store.path",
                                          "store.url",
                                          "store.synchronous",
                                          "store.batch_max_events",
                                          "store.batch_max_delay",
                                          "store.write_queue_capacity",
                                          "store.busy_timeout",
                                          "store.stop_timeout",
                                          "store.maintenance_interval",
                                          "store.retention_interval",
                                          "store.kv_purge_interval",
                                          "store.recent_chat_retention_hours",
                                          "metrics.listen",
                                          "bench.run_at_start",
                                          "bench.scenarios_file",
                                          "bench.out_dir",
                                          "bench.subject_prefix",
                                          "bench.queue_group",
                                          "bench.store_url",
                                          "bench.keep_runs",
                                          "bench.bot_probe_rate",
                                          "bench.control.enabled",
                                          "bench.control.subject_prefix",
                                          "bench.control.token",
                                          "bench.control.max_rate",
                                          "bench.control.max_duration"};
  std::map<std::string, ConfigKey> listed;
  for (const auto& key : keys) {
    listed[key.key] = key;
    std::string env = "ROSEYD_";
    for (char c : key.key) env += c == '.' ? '_' : static_cast<char>(std::toupper(c));
    EXPECT_EQ(key.env, env);
    EXPECT_FALSE(key.help.empty()) << key.key;
  }
  EXPECT_EQ(keys.size(), expected.size());
  for (const auto& name : expected) EXPECT_TRUE(listed.count(name)) << name;
  EXPECT_EQ(listed["store.batch_max_events"].env, "ROSEYD_STORE_BATCH_MAX_EVENTS");
  EXPECT_EQ(listed["store.batch_max_events"].default_value, "1024");
  EXPECT_EQ(listed["nats.embedded.port"].env, "ROSEYD_NATS_EMBEDDED_PORT");
  EXPECT_EQ(listed["nats.reconnect_wait"].default_value, "250ms");
  EXPECT_EQ(listed["store.maintenance_interval"].default_value, "1h");
  EXPECT_EQ(listed["nats.url"].default_value, "");
}

TEST_F(ConfigLoaderTest, EveryDefaultRoundTripsThroughEnvAndSet) {
  for (const auto& key : ConfigKeys()) {
    sources_.env = {{key.env, key.default_value}};
    sources_.overrides = {{key.key, key.default_value}};
    ExpectSameConfig(LoadConfig(sources_), Config());
  }
}

// A value of every key other than its default, valid on its own, so each
// key's round trip proves something. Pairs that must go together (user and
// password) are set together below.
std::map<std::string, std::string> OtherValues() {
  std::map<std::string, std::string> values;
  for (const auto& key : ConfigKeys()) {
    const std::string& d = key.default_value;
    std::string v;
    if (d == "true" || d == "false") {
      v = d == "true" ? "false" : "true";
    } else if (!d.empty() && std::isdigit(static_cast<unsigned char>(d[0])) &&
               d.find_first_not_of("0123456789") != std::string::npos) {
      v = "7s";  // a duration; every duration key accepts seconds
    } else if (!d.empty() && d.find_first_not_of("0123456789-") == std::string::npos) {
      v = "3";
    } else {
      v = "x" + std::to_string(values.size());  // a string; enums are set below
    }
    values[key.key] = v;
  }
  values["log.level"] = "debug";
  values["log.format"] = "json";
  values["store.synchronous"] = "full";
  values["service.durability"] = "jetstream";
  values["bench.run_at_start"] = "classic";
  values["metrics.listen"] = "127.0.0.1:9";
  values["service.commit_ack_subject"] = "acks.x";
  values["nats.reconnect_wait_max"] = "9s";
  values["nats.reconnect_wait"] = "2s";
  values["store.batch_max_delay"] = "7ms";
  values["service.jetstream.max_bytes"] = "4096";
  values["nats.pending_bytes_limit"] = "4096";
  values["store.write_queue_capacity"] = "300";
  values["store.url"] = "postgresql://rosey@db.example:5433/rosey";
  values["nats.url"] = "nats://10.0.0.9:4222";
  values["bench.store_url"] = "postgresql://rosey@db.example:5433/scratch";
  // One way to authenticate: a token, no user/creds/nkey; TLS files unset.
  for (const char* k : {"nats.auth.user", "nats.auth.password", "nats.auth.password_file",
                        "nats.auth.token_file", "nats.auth.credentials_file", "nats.auth.nkey",
                        "nats.auth.nkey_seed_file", "nats.auth.tls_ca_file",
                        "nats.auth.tls_cert_file", "nats.auth.tls_key_file"}) {
    values.erase(k);
  }
  return values;
}

// What `key` needs beside it to be valid on its own (its default elsewhere).
std::vector<ConfigOverride> Companions(const std::string& key) {
  if (key == "bench.control.enabled") return {{"bench.control.token", "t"}};
  return {};
}

TEST_F(ConfigLoaderTest, EveryKeyRoundTripsThroughFileEnvAndSet) {
  const std::map<std::string, std::string> values = OtherValues();
  const Config defaults;
  for (const auto& [key, value] : values) {
    ASSERT_NE(*ConfigValue(defaults, key), value) << key << " needs a value other than its default";
    sources_.env.clear();
    sources_.overrides = Companions(key);
    sources_.overrides.emplace_back(key, value);
    const Config by_set = LoadConfig(sources_);
    EXPECT_EQ(*ConfigValue(by_set, key), value) << key << " via --set";
    sources_.overrides = Companions(key);
    sources_.env = {{FindEnv(key), value}};
    EXPECT_TRUE(SameConfig(LoadConfig(sources_), by_set)) << key << " via the environment";
  }
  // All at once, from a file: each key lands in its own field. (store.path
  // goes without store.url, which selects PostgreSQL: not both.)
  sources_.env.clear();
  sources_.overrides.clear();
  std::map<std::string, std::string> together = values;
  together.erase("store.path");
  std::string yaml;
  std::vector<std::string> open;  // the sections of the previous key
  for (const auto& [key, value] : together) {  // sorted: a section's keys are together
    std::vector<std::string> parts;
    for (size_t start = 0, dot = 0; dot != std::string::npos; start = dot + 1) {
      dot = key.find('.', start);
      parts.push_back(key.substr(start, dot - start));
    }
    size_t same = 0;
    while (same < open.size() && same + 1 < parts.size() && open[same] == parts[same]) ++same;
    for (size_t i = same; i + 1 < parts.size(); ++i) {
      yaml += std::string(2 * i, ' ') + parts[i] + ":\n";
    }
    yaml += std::string(2 * (parts.size() - 1), ' ') + parts.back() + ": \"" + value + "\"\n";
    open.assign(parts.begin(), parts.end() - 1);
  }
  WriteConfig(yaml);
  const Config from_file = LoadConfig(sources_);
  for (const auto& [key, value] : together) {
    EXPECT_EQ(*ConfigValue(from_file, key), value) << key << " from a file";
  }
}

TEST_F(ConfigLoaderTest, ConfigComparisonSeesEveryKey) {
  // The comparison the other tests rely on must notice a change in any key.
  const std::map<std::string, std::string> values = OtherValues();
  for (const auto& [key, value] : values) {
    sources_.overrides = Companions(key);
    const Config without = LoadConfig(sources_);
    sources_.overrides.emplace_back(key, value);
    EXPECT_FALSE(SameConfig(LoadConfig(sources_), without)) << key;
  }
  EXPECT_GE(values.size() + 10, ConfigKeys().size());  // only the auth files are left out
}

TEST(UnknownVariablesTest, MisspeltVariablesAreNamedWithTheClosestSetting) {
  const std::vector<std::string> warnings =
      UnknownVariables({{"ROSEYD_STORE_BATCH_SIZE", "5"},
                        {"ROSEYD_DATADIR", "/x"},
                        {"ROSEYD_NATS_EMBEDED_PORT", "1"},
                        {"ROSEYD_ZZZZZZZZZZ", "1"},
                        {"ROSEYD_STORE_BATCH_MAX_EVENTS", "5"},
                        {"ROSEYD_CONFIG", "a.yaml"},
                        {"HOME", "/root"}});
  ASSERT_EQ(warnings.size(), 4u);
  // The map is ordered by name.
  EXPECT_EQ(warnings[0],
            "environment variable ROSEYD_DATADIR is not a roseyd setting; ignored "
            "(did you mean ROSEYD_DATA_DIR?)");
  EXPECT_TRUE(Contains(warnings[1], "ROSEYD_NATS_EMBEDED_PORT"));
  EXPECT_TRUE(Contains(warnings[1], "did you mean ROSEYD_NATS_EMBEDDED_PORT?"));
  EXPECT_TRUE(Contains(warnings[2], "ROSEYD_STORE_BATCH_SIZE"));
  EXPECT_TRUE(Contains(warnings[2], "did you mean ROSEYD_STORE_BATCH_MAX_EVENTS"));
  EXPECT_EQ(warnings[3],
            "environment variable ROSEYD_ZZZZZZZZZZ is not a roseyd setting; ignored");
}

TEST(ProcessEnvironmentTest, ReadsTheEnvironment) {
  ASSERT_EQ(setenv("ROSEYD_TEST_VARIABLE", "a=b", 1), 0);
  const auto env = ProcessEnvironment();
  unsetenv("ROSEYD_TEST_VARIABLE");
  ASSERT_TRUE(env.count("ROSEYD_TEST_VARIABLE"));
  EXPECT_EQ(env.at("ROSEYD_TEST_VARIABLE"), "a=b");
}

}  // namespace
}  // namespace roseyd

namespace roseyd {
namespace {

class NatsAuthConfigTest : public ConfigLoaderTest {};

TEST_F(NatsAuthConfigTest, SecretFilesAreReadWithoutTheTrailingNewline) {
  const std::string secret = dir_.File("password");
  std::ofstream(secret) << "s3cret\n";
  sources_.overrides = {{"nats.auth.user", "roseyd"}, {"nats.auth.password_file", secret}};
  const Config config = LoadConfig(sources_);
  EXPECT_EQ(config.nats.auth.user, "roseyd");
  EXPECT_EQ(config.nats.auth.password, "s3cret");
}

TEST_F(NatsAuthConfigTest, PasswordComesFromTheEnvironment) {
  sources_.env = {{"ROSEYD_NATS_AUTH_USER", "roseyd"}, {"ROSEYD_NATS_AUTH_PASSWORD", "s3cret"}};
  EXPECT_EQ(LoadConfig(sources_).nats.auth.password, "s3cret");
}

TEST_F(NatsAuthConfigTest, UnreadableFileNamesTheKeyAndTheFile) {
  sources_.overrides = {{"nats.auth.token_file", dir_.File("missing")}};
  const std::string error = LoadError();
  EXPECT_TRUE(Contains(error, "nats.auth.token_file")) << error;
  EXPECT_TRUE(Contains(error, dir_.File("missing"))) << error;
  sources_.overrides = {{"nats.auth.tls_ca_file", dir_.File("ca.pem")}};
  EXPECT_TRUE(Contains(LoadError(), "nats.auth.tls_ca_file"));
}

TEST_F(NatsAuthConfigTest, OneWayInAtMost) {
  const std::vector<std::vector<ConfigOverride>> refused = {
      {{"nats.auth.password", "p"}},                                    // no user
      {{"nats.auth.user", "u"}, {"nats.auth.token", "t"}},              // two ways
      {{"nats.auth.token", "t"}, {"nats.auth.token_file", "/x"}},       // two sources
      {{"nats.auth.user", "u"}, {"nats.auth.credentials_file", "/x"}},  // two ways
      {{"nats.auth.nkey", "UABC"}},                                     // no seed
      {{"nats.auth.tls_cert_file", "/x"}},                              // no key
  };
  for (const auto& overrides : refused) {
    sources_.overrides = overrides;
    const std::string error = LoadError();
    EXPECT_TRUE(Contains(error, overrides[0].key)) << error;
  }
}

TEST_F(NatsAuthConfigTest, SecretsStayOutOfErrors) {
  sources_.overrides = {{"nats.auth.token", "t0ken-value"}, {"nats.auth.user", "u"}};
  EXPECT_FALSE(Contains(LoadError(), "t0ken-value"));
}

}  // namespace
}  // namespace roseyd

namespace roseyd {
namespace {

TEST(BenchConfigTest, ControlNeedsATokenAndRunAtStartNamesASuite) {
  ConfigSources sources;
  sources.overrides = {{"bench.control.enabled", "true"}};
  try {
    LoadConfig(sources);
    FAIL() << "enabled without a token was accepted";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find("bench.control.enabled needs bench.control.token"),
              std::string::npos) << e.what();
  }
  sources.overrides = {{"bench.run_at_start", "huge"}};
  EXPECT_THROW(LoadConfig(sources), StartupError);
  sources.overrides = {{"bench.run_at_start", ""}, {"bench.control.enabled", "true"},
                       {"bench.control.token", "t"}};
  const Config config = LoadConfig(sources);
  EXPECT_EQ(config.bench.run_at_start, "");
  EXPECT_TRUE(config.bench.control.enabled);
}

// The message of the StartupError LoadConfig throws for `overrides`, or "".
std::string BenchLoadError(std::vector<ConfigOverride> overrides) {
  ConfigSources sources;
  sources.overrides = std::move(overrides);
  try {
    LoadConfig(sources);
  } catch (const StartupError& e) {
    return e.what();
  }
  return "";
}

TEST(BenchConfigTest, TheBenchmarkInstanceHasSubjectsOfItsOwn) {
  const Config defaults = LoadConfig(ConfigSources{});
  EXPECT_EQ(defaults.bench.subject_prefix, "roseyd.bench.load");
  EXPECT_EQ(defaults.bench.queue_group, "roseyd-bench");
  EXPECT_EQ(defaults.bench.keep_runs, 20);
  EXPECT_EQ(defaults.bench.bot_probe_rate, 20);
  EXPECT_EQ(defaults.BenchScratchDir(), "data/bench/scratch");

  // Overlapping the bot's subjects, either way round, is refused, naming both keys.
  for (const auto& overrides : std::vector<std::vector<ConfigOverride>>{
           {{"bench.subject_prefix", "rosey.db"}},
           {{"bench.subject_prefix", "rosey.db.bench"}},
           {{"bench.subject_prefix", "rosey"}},
           {{"service.subject_prefix", "roseyd.bench.load.x"}}}) {
    const std::string error = BenchLoadError(overrides);
    EXPECT_NE(error.find("overlaps service.subject_prefix"), std::string::npos)
        << overrides[0].value << ": " << error;
    EXPECT_EQ(error.rfind("config: --set: ", 0), 0u) << error;  // names where it was set
  }
  // Covering the control subjects would feed control requests to the benchmark's service.
  const std::string covers = BenchLoadError({{"bench.subject_prefix", "roseyd"}});
  EXPECT_NE(covers.find("covers bench.control.subject_prefix"), std::string::npos) << covers;
  EXPECT_NE(BenchLoadError({{"bench.subject_prefix", "roseyd.bench"}}), "");
  // Look-alikes are fine: only whole subject tokens overlap.
  EXPECT_EQ(BenchLoadError({{"bench.subject_prefix", "rosey.dbx"}}), "");
  EXPECT_EQ(BenchLoadError({{"bench.subject_prefix", "roseyd.benchmark"}}), "");
  for (const char* bad : {"", "a.>", "a b", "a..b"}) {
    EXPECT_NE(BenchLoadError({{"bench.subject_prefix", bad}}), "") << bad;
    EXPECT_NE(BenchLoadError({{"bench.queue_group", bad}}), "") << bad;
  }
  EXPECT_NE(BenchLoadError({{"bench.keep_runs", "0"}}), "");
  EXPECT_NE(BenchLoadError({{"bench.bot_probe_rate", "1001"}}), "");
  EXPECT_EQ(BenchLoadError({{"bench.bot_probe_rate", "0"}}), "");
  // The failover scenario's database: PostgreSQL, and never the bot's own.
  EXPECT_EQ(BenchLoadError({{"bench.store_url", "postgresql://u@h/scratch"}}), "");
  EXPECT_NE(BenchLoadError({{"bench.store_url", "sqlite:/tmp/x.db"}}).find("bench.store_url"),
            std::string::npos);
  const std::string same = BenchLoadError(
      {{"store.url", "postgresql://u@h/rosey"}, {"bench.store_url", "postgresql://u@h/rosey"}});
  EXPECT_NE(same.find("bench.store_url is store.url"), std::string::npos) << same;
}

TEST(CommitAckSubjectConfigTest, OffByDefaultASubjectAndNotUnderTheServicePrefix) {
  ConfigSources sources;
  EXPECT_EQ(LoadConfig(sources).service.commit_ack_subject, "");
  const auto listed = ConfigKeys();
  const auto key = std::find_if(listed.begin(), listed.end(), [](const ConfigKey& k) {
    return k.key == "service.commit_ack_subject";
  });
  ASSERT_NE(key, listed.end());
  EXPECT_EQ(key->env, "ROSEYD_SERVICE_COMMIT_ACK_SUBJECT");
  EXPECT_EQ(key->default_value, "");

  sources.overrides = {{"service.commit_ack_subject", "roseyd.commits"}};
  EXPECT_EQ(LoadConfig(sources).service.commit_ack_subject, "roseyd.commits");
  sources.env = {{"ROSEYD_SERVICE_COMMIT_ACK_SUBJECT", "acks.here"}};
  sources.overrides.clear();
  EXPECT_EQ(LoadConfig(sources).service.commit_ack_subject, "acks.here");
  sources.env.clear();

  for (const char* bad : {"roseyd.>", "roseyd.*", "has space", "trailing.", "a..b"}) {
    sources.overrides = {{"service.commit_ack_subject", bad}};
    EXPECT_THROW(LoadConfig(sources), StartupError) << bad;
  }
  // Under the service's own prefix roseyd would take its acks for events.
  sources.overrides = {{"service.commit_ack_subject", "rosey.db.commits"}};
  try {
    LoadConfig(sources);
    FAIL() << "an ack subject under the service prefix was accepted";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find("under service.subject_prefix"), std::string::npos)
        << e.what();
  }
  sources.overrides = {{"service.commit_ack_subject", "rosey.dbx.commits"}};  // only a look-alike
  EXPECT_EQ(LoadConfig(sources).service.commit_ack_subject, "rosey.dbx.commits");
}

}  // namespace
}  // namespace roseyd

namespace roseyd {
namespace {

TEST(StoreUrlConfigTest, SelectsPostgresFromTheEnvironmentAndKeepsItsPasswordSecret) {
  ConfigSources sources;
  Config config = LoadConfig(sources);
  EXPECT_EQ(config.store.url, "");
  EXPECT_EQ(config.DatabasePath(), "data/rosey.db");  // SQLite by default
  sources.env = {{"ROSEYD_STORE_URL", "postgresql://rosey:pa55@db:5432/rosey"}};
  config = LoadConfig(sources);
  EXPECT_EQ(config.store.url, "postgresql://rosey:pa55@db:5432/rosey");
  EXPECT_EQ(config.DatabasePath(), "");  // no SQLite file
  EXPECT_EQ(config.StoreDescription(), "postgresql://rosey:***@db:5432/rosey");
  EXPECT_FALSE(Contains(DescribeConfig(config), "pa55"));
  EXPECT_TRUE(Contains(DescribeConfig(config),
                       "store.url: \"postgresql://rosey:***@db:5432/rosey\""));
  sources.env.clear();
  for (const char* bad : {"mysql://rosey@db/rosey", "host=db password=pa55", "rosey.db"}) {
    sources.overrides = {{"store.url", bad}};
    try {
      LoadConfig(sources);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const StartupError& e) {
      EXPECT_TRUE(Contains(e.what(), "store.url: expected a PostgreSQL URI"));
      EXPECT_FALSE(Contains(e.what(), "pa55"));
    }
  }
}

TEST(StoreUrlConfigTest, RedactionHidesEveryFormOfPassword) {
  EXPECT_EQ(RedactStoreUrl("postgresql://rosey@db/rosey"), "postgresql://rosey@db/rosey");
  EXPECT_EQ(RedactStoreUrl("postgres://rosey:x@db:1,db2:2/rosey?sslmode=require"),
            "postgres://rosey:***@db:1,db2:2/rosey?sslmode=require");
  EXPECT_EQ(RedactStoreUrl("postgresql://db/rosey?user=r&password=x&sslmode=require"),
            "postgresql://db/rosey?user=r&password=***&sslmode=require");
  // A raw '@' in a password is a mistake libpq misreads; it must not leak.
  EXPECT_EQ(RedactStoreUrl("postgresql://rosey:p@ss@db/rosey"),
            "postgresql://rosey:***@db/rosey");
  EXPECT_EQ(RedactStoreUrl("postgresql:///rosey"), "postgresql:///rosey");
  EXPECT_EQ(RedactStoreUrl("host=db password=x"), "***");
}

}  // namespace
}  // namespace roseyd
