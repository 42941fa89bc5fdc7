#include "config/key_table.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/nats_url.h"
#include "config/store_url.h"
#include "config/value_checks.h"
#include "config/value_text.h"

namespace roseyd {
namespace {

using std::chrono::nanoseconds;
using namespace std::chrono_literals;
using config_text::FormatDuration;
using config_text::Lower;
using config_text::ParseDuration;
using config_text::ParseInt;
using config_text::Quote;
using config_text::Trim;
using config_checks::CheckListenAddress;
using config_checks::NonEmpty;
using config_checks::PluginName;
using config_checks::StreamName;
using config_checks::SubjectPart;

// `field` is a generic lambda returning a reference to the member, so one
// accessor serves both the setter and the getter.
template <typename Field>
using FieldType = std::remove_cvref_t<std::invoke_result_t<Field, Config&>>;

template <typename Field>
KeyDef String(std::string key, Field field, std::string help,
              std::string (*check)(std::string_view) = nullptr) {
  return {std::move(key), std::move(help),
          [=](Config* c, std::string_view text) {
            std::string problem = check ? check(text) : "";
            if (problem.empty()) field(*c) = std::string(text);
            return problem;
          },
          [=](const Config& c) { return field(c); }};
}

template <typename Field>
KeyDef Int(std::string key, Field field, int64_t min, int64_t max, std::string help) {
  using T = FieldType<Field>;
  max = std::min<int64_t>(max, std::numeric_limits<T>::max());
  return {std::move(key), std::move(help),
          [=](Config* c, std::string_view text) -> std::string {
            int64_t value = 0;
            if (!ParseInt(text, &value)) return "expected an integer, got " + Quote(text);
            if (value < min || value > max) {
              return std::to_string(value) + " is out of range (" + std::to_string(min) + ".." +
                     std::to_string(max) + ")";
            }
            field(*c) = static_cast<T>(value);
            return "";
          },
          [=](const Config& c) { return std::to_string(field(c)); }};
}

template <typename Field>
KeyDef Bool(std::string key, Field field, std::string help) {
  return {std::move(key), std::move(help),
          [=](Config* c, std::string_view text) -> std::string {
            const std::string v = Lower(Trim(text));
            if (v == "true" || v == "yes" || v == "on" || v == "1") {
              field(*c) = true;
            } else if (v == "false" || v == "no" || v == "off" || v == "0") {
              field(*c) = false;
            } else {
              return "expected true or false, got " + Quote(text);
            }
            return "";
          },
          [=](const Config& c) { return std::string(field(c) ? "true" : "false"); }};
}

// A duration field of any std::chrono type; values finer than its period are
// refused rather than silently truncated.
template <typename Field>
KeyDef Duration(std::string key, Field field, nanoseconds min, nanoseconds max, std::string help) {
  using D = FieldType<Field>;
  help += " (duration)";
  return {std::move(key), std::move(help),
          [=](Config* c, std::string_view text) -> std::string {
            nanoseconds value{};
            if (std::string problem = ParseDuration(text, &value); !problem.empty()) {
              return problem;
            }
            if (value < min || value > max) {
              return Quote(Trim(text)) + " is out of range (" + FormatDuration(min) + ".." +
                     FormatDuration(max) + ")";
            }
            const auto converted = std::chrono::duration_cast<D>(value);
            if (converted != value) {
              return Quote(Trim(text)) + " is finer than this key's resolution of " +
                     FormatDuration(D(1));
            }
            field(*c) = converted;
            return "";
          },
          [=](const Config& c) { return FormatDuration(field(c)); }};
}

// A comma-separated list of names (a YAML sequence is joined first); blanks
// around items are dropped, and so are empty items. `check` judges each item.
template <typename Field>
KeyDef List(std::string key, Field field, std::string help,
            std::string (*check)(std::string_view)) {
  help += " (list)";
  KeyDef def{std::move(key), std::move(help),
             [=](Config* c, std::string_view text) -> std::string {
               std::vector<std::string> items;
               for (size_t begin = 0; begin <= text.size();) {
                 size_t end = text.find(',', begin);
                 if (end == std::string_view::npos) end = text.size();
                 const std::string_view item = Trim(text.substr(begin, end - begin));
                 if (!item.empty()) {
                   if (std::string problem = check(item); !problem.empty()) return problem;
                   items.emplace_back(item);
                 }
                 begin = end + 1;
               }
               field(*c) = std::move(items);
               return "";
             },
             [=](const Config& c) {
               std::string joined;
               for (const std::string& item : field(c)) {
                 joined += (joined.empty() ? "" : ",") + item;
               }
               return joined;
             }};
  def.list = true;
  return def;
}

template <typename Field>
KeyDef Enum(std::string key, Field field, const std::vector<std::string>& values,
            std::string help) {
  std::string list;
  for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
  help += " (" + list + ")";
  return {std::move(key), std::move(help),
          [=](Config* c, std::string_view text) -> std::string {
            const std::string v = Lower(Trim(text));
            if (std::find(values.begin(), values.end(), v) == values.end()) {
              return Quote(text) + " is not one of " + list;
            }
            field(*c) = v;
            return "";
          },
          [=](const Config& c) { return field(c); }};
}

}  // namespace

std::string KeyDef::Env() const {
  std::string env(kEnvPrefix);
  for (char c : key) env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

const std::vector<KeyDef>& KeyTable() {
  // No key may be named "config": ROSEYD_CONFIG is the config file's path.
  static const std::vector<KeyDef> keys = {
      String(
          "data_dir", [](auto& c) -> auto& { return c.data_dir; },
          "directory for the database and the embedded server's store", NonEmpty),
      Enum(
          "log.level", [](auto& c) -> auto& { return c.log.level; },
          {"trace", "debug", "info", "warn", "error", "critical", "off"}, "log threshold"),
      Enum(
          "log.format", [](auto& c) -> auto& { return c.log.format; }, {"text", "json"},
          "log line format"),
      String(
          "nats.url", [](auto& c) -> auto& { return c.nats.url; },
          "NATS server URL, or several comma-separated (the servers of a cluster); empty: start "
          "an embedded nats-server",
          CheckNatsUrls),
      String(
          "nats.name", [](auto& c) -> auto& { return c.nats.name; },
          "connection name shown by the NATS server", NonEmpty),
      String(
          "nats.auth.user", [](auto& c) -> auto& { return c.nats.auth.user; },
          "NATS user name (with a password)"),
      String(
          "nats.auth.password", [](auto& c) -> auto& { return c.nats.auth.password; },
          "NATS password; prefer ROSEYD_NATS_AUTH_PASSWORD or password_file"),
      String(
          "nats.auth.password_file", [](auto& c) -> auto& { return c.nats.auth.password_file; },
          "file holding the NATS password"),
      String(
          "nats.auth.token", [](auto& c) -> auto& { return c.nats.auth.token; },
          "NATS token; prefer ROSEYD_NATS_AUTH_TOKEN or token_file"),
      String(
          "nats.auth.token_file", [](auto& c) -> auto& { return c.nats.auth.token_file; },
          "file holding the NATS token"),
      String(
          "nats.auth.credentials_file",
          [](auto& c) -> auto& { return c.nats.auth.credentials_file; },
          "NATS .creds file (JWT and NKey seed)"),
      String(
          "nats.auth.nkey", [](auto& c) -> auto& { return c.nats.auth.nkey; },
          "public NKey of roseyd's NATS user (with nkey_seed_file)"),
      String(
          "nats.auth.nkey_seed_file", [](auto& c) -> auto& { return c.nats.auth.nkey_seed_file; },
          "file holding that NKey's seed"),
      String(
          "nats.auth.tls_ca_file", [](auto& c) -> auto& { return c.nats.auth.tls_ca_file; },
          "CA certificate(s) to verify the NATS server; set: connect with TLS"),
      String(
          "nats.auth.tls_cert_file", [](auto& c) -> auto& { return c.nats.auth.tls_cert_file; },
          "client certificate for TLS (with tls_key_file)"),
      String(
          "nats.auth.tls_key_file", [](auto& c) -> auto& { return c.nats.auth.tls_key_file; },
          "client certificate's private key"),
      String(
          "nats.embedded.binary", [](auto& c) -> auto& { return c.nats.embedded.binary; },
          "nats-server executable, looked up on PATH unless absolute", NonEmpty),
      String(
          "nats.embedded.host", [](auto& c) -> auto& { return c.nats.embedded.host; },
          "address the embedded server listens on", NonEmpty),
      Int(
          "nats.embedded.port", [](auto& c) -> auto& { return c.nats.embedded.port; }, 0, 65535,
          "port of the embedded server; 0 picks a free one"),
      Bool(
          "nats.embedded.jetstream", [](auto& c) -> auto& { return c.nats.embedded.jetstream; },
          "enable JetStream in the embedded server"),
      String(
          "nats.embedded.store_dir", [](auto& c) -> auto& { return c.nats.embedded.store_dir; },
          "JetStream store directory; empty: <data_dir>/nats"),
      Duration(
          "nats.embedded.ready_timeout",
          [](auto& c) -> auto& { return c.nats.embedded.ready_timeout; }, 1ms, 10min,
          "how long to wait for the embedded server to accept connections"),
      Duration(
          "nats.reconnect_wait", [](auto& c) -> auto& { return c.nats.reconnect_wait; }, 1ms, 1h,
          "first reconnect back-off step"),
      Duration(
          "nats.reconnect_wait_max", [](auto& c) -> auto& { return c.nats.reconnect_wait_max; },
          1ms, 1h, "reconnect back-off ceiling"),
      Duration(
          "nats.connect_timeout", [](auto& c) -> auto& { return c.nats.connect_timeout; }, 1ms,
          10min, "timeout of one connection attempt"),
      Int(
          "nats.pending_msgs_limit", [](auto& c) -> auto& { return c.nats.pending_msgs_limit; }, 1,
          std::numeric_limits<int>::max(),
          "messages buffered per subscription before NATS drops (messages)"),
      Int(
          "nats.pending_bytes_limit", [](auto& c) -> auto& { return c.nats.pending_bytes_limit; },
          1, std::numeric_limits<int64_t>::max(),
          "bytes buffered per subscription before NATS drops (bytes)"),
      Enum(
          "service.durability", [](auto& c) -> auto& { return c.service.durability; },
          {"core", "jetstream"},
          "core: plain NATS, as the original (events published while roseyd is down are "
          "lost); jetstream: a stream keeps them and nothing is lost or doubled"),
      String(
          "service.jetstream.stream", [](auto& c) -> auto& { return c.service.jetstream.stream; },
          "JetStream stream holding the event subjects (durability: jetstream)", StreamName),
      String(
          "service.jetstream.consumer",
          [](auto& c) -> auto& { return c.service.jetstream.consumer; },
          "durable consumer roseyd reads the stream with", StreamName),
      Duration(
          "service.jetstream.max_age", [](auto& c) -> auto& { return c.service.jetstream.max_age; },
          0s, 24h * 3650, "events older than this leave the stream; 0: no limit"),
      Int(
          "service.jetstream.max_bytes",
          [](auto& c) -> auto& { return c.service.jetstream.max_bytes; }, -1,
          std::numeric_limits<int64_t>::max(),
          "stream size limit, oldest events leave first; -1: no limit (bytes)"),
      Duration(
          "service.jetstream.ack_wait", [](auto& c) -> auto& { return c.service.jetstream.ack_wait; },
          1s, 1h, "the server redelivers what is not acknowledged within this"),
      Int(
          "service.jetstream.replicas",
          [](auto& c) -> auto& { return c.service.jetstream.replicas; }, 1, 5,
          "copies of the stream on a NATS cluster; above 1 needs that many JetStream servers"),
      String(
          "service.subject_prefix", [](auto& c) -> auto& { return c.service.subject_prefix; },
          "subject prefix of the Rosey database API",
          [](std::string_view t) { return SubjectPart(t, false); }),
      String(
          "service.queue_group", [](auto& c) -> auto& { return c.service.queue_group; },
          "NATS queue group of the subscription (all subjects), so instances never double-write; empty: none",
          [](std::string_view t) { return SubjectPart(t, true); }),
      Int(
          "service.max_payload_bytes", [](auto& c) -> auto& { return c.service.max_payload_bytes; },
          1, 64LL << 20, "largest accepted message payload (bytes)"),
      Int(
          "service.request_workers", [](auto& c) -> auto& { return c.service.request_workers; }, 1,
          64, "threads answering read requests"),
      Int(
          "service.max_request_limit", [](auto& c) -> auto& { return c.service.max_request_limit; },
          1, 1'000'000, "largest 'limit' a request may ask for (rows)"),
      Duration(
          "service.request_timeout", [](auto& c) -> auto& { return c.service.request_timeout; },
          1ms, 10min, "how long a read waits for earlier writes to commit"),
      Duration(
          "service.drain_timeout", [](auto& c) -> auto& { return c.service.drain_timeout; },
          1ms, 1h,
          "on shutdown, how long to hand the messages already received to the writer and the "
          "request workers (normally milliseconds)"),
      String(
          "service.commit_ack_subject",
          [](auto& c) -> auto& { return c.service.commit_ack_subject; },
          "subject on which each committed batch's traced events are acknowledged, for a load "
          "generator in another process (roseyd bench --nats-url); empty: off",
          [](std::string_view t) { return SubjectPart(t, true); }),
      String(
          "service.plugins_dir", [](auto& c) -> auto& { return c.service.plugins_dir; },
          "plugin storage API: migrations are read from <dir>/<plugin>/migrations/NNN_name.sql; "
          "empty: no plugin has migrations (a missing directory is warned at start)"),
      List(
          "service.storage_plugins", [](auto& c) -> auto& { return c.service.storage_plugins; },
          "plugin names allowed to use the storage API (kv, row, migrate); empty: any",
          PluginName),
      String(
          "store.path", [](auto& c) -> auto& { return c.store.path; },
          "SQLite database file; empty: <data_dir>/rosey.db"),
      String(
          "store.url", [](auto& c) -> auto& { return c.store.url; },
          "PostgreSQL instead of SQLite: postgresql://user@host:port/db (libpq URI; password "
          "better in PGPASSFILE or PGPASSWORD); empty: SQLite",
          CheckStoreUrl),
      Enum(
          "store.synchronous", [](auto& c) -> auto& { return c.store.synchronous; },
          {"off", "normal", "full", "extra"}, "SQLite PRAGMA synchronous"),
      Int(
          "store.batch_max_events", [](auto& c) -> auto& { return c.store.batch_max_events; }, 1,
          100'000, "most events written in one transaction (events)"),
      Duration(
          "store.batch_max_delay", [](auto& c) -> auto& { return c.store.batch_max_delay; }, 0ms,
          10s, "longest an event waits for its batch to fill"),
      Int(
          "store.write_queue_capacity",
          [](auto& c) -> auto& { return c.store.write_queue_capacity; }, 1, 100'000'000,
          "events queued for the writer before intake blocks (events)"),
      Duration(
          "store.busy_timeout", [](auto& c) -> auto& { return c.store.busy_timeout; }, 0ms, 10min,
          "SQLite busy timeout"),
      Duration(
          "store.stop_timeout", [](auto& c) -> auto& { return c.store.stop_timeout; }, 0ms, 10min,
          "on shutdown, how long the writer keeps committing; what it could not commit by then "
          "(a locked file) is kept in <database>.pending and committed first at the next start"),
      Duration(
          "store.maintenance_interval",
          [](auto& c) -> auto& { return c.store.maintenance_interval; }, 1s, 24h * 7,
          "period of maintenance: delete old user counts, sent outbound messages and revoked tokens, then ANALYZE"),
      Duration(
          "store.retention_interval", [](auto& c) -> auto& { return c.store.retention_interval; },
          1s, 24h, "period of recent_chat pruning"),
      Duration(
          "store.kv_purge_interval", [](auto& c) -> auto& { return c.store.kv_purge_interval; },
          1s, 24h, "period of the purge of expired plugin keys (reads hide them at once)"),
      Int(
          "store.recent_chat_retention_hours",
          [](auto& c) -> auto& { return c.store.recent_chat_retention_hours; }, 1, 100'000,
          "how long recent_chat rows are kept (hours)"),
      String(
          "metrics.listen", [](auto& c) -> auto& { return c.metrics.listen; },
          "host:port of the Prometheus /metrics endpoint and the readiness check /ready; "
          "empty: off",
          CheckListenAddress),
      String(
          "bench.run_at_start", [](auto& c) -> auto& { return c.bench.run_at_start; },
          "benchmark suite run once after start-up, on the load generator's own service "
          "instance and scratch database, in roseyd's process (the bot's requests are slower "
          "meanwhile): quick, classic, full; empty: none (the demo config/roseyd.yaml sets quick)",
          [](std::string_view t) -> std::string {
            if (t.empty() || t == "quick" || t == "classic" || t == "full") return "";
            return "'" + std::string(t) + "' is not one of quick, classic, full or empty";
          }),
      String(
          "bench.scenarios_file", [](auto& c) -> auto& { return c.bench.scenarios_file; },
          "YAML file of benchmark scenarios and suites; empty: the built-in config/scenarios.yaml"),
      String(
          "bench.out_dir", [](auto& c) -> auto& { return c.bench.out_dir; },
          "where benchmark reports are written, a folder per run and a 'latest' link; empty: "
          "<data_dir>/bench"),
      String(
          "bench.subject_prefix", [](auto& c) -> auto& { return c.bench.subject_prefix; },
          "subject prefix of the load generator's own service instance (never the bot's)",
          [](std::string_view t) { return SubjectPart(t, false); }),
      String(
          "bench.queue_group", [](auto& c) -> auto& { return c.bench.queue_group; },
          "NATS queue group of the load generator's own service instance",
          [](std::string_view t) { return SubjectPart(t, false); }),
      String(
          "bench.store_url", [](auto& c) -> auto& { return c.bench.store_url; },
          "PostgreSQL database for the failover scenario's two service instances, "
          "postgresql://user@host:port/db, not the bot's (they work in a schema of their own, "
          "roseyd_bench, dropped after); empty: the failover scenario cannot run",
          CheckStoreUrl),
      Int(
          "bench.keep_runs", [](auto& c) -> auto& { return c.bench.keep_runs; }, 1, 100'000,
          "benchmark report folders kept in bench.out_dir; the oldest beyond are removed (runs)"),
      Int(
          "bench.bot_probe_rate", [](auto& c) -> auto& { return c.bench.bot_probe_rate; }, 0,
          1000,
          "read-only requests per second to the bot's service during a benchmark run, to "
          "report its latency beside idle; 0: none (requests/s)"),
      Bool(
          "bench.control.enabled", [](auto& c) -> auto& { return c.bench.control.enabled; },
          "answer load-generator control requests over NATS (needs bench.control.token)"),
      String(
          "bench.control.subject_prefix",
          [](auto& c) -> auto& { return c.bench.control.subject_prefix; },
          "control subjects: <prefix>.list, .start, .status, .cancel; results on <prefix>.results",
          [](std::string_view t) { return SubjectPart(t, false); }),
      String(
          "bench.control.token", [](auto& c) -> auto& { return c.bench.control.token; },
          "token every control request must carry; prefer ROSEYD_BENCH_CONTROL_TOKEN"),
      Int(
          "bench.control.max_rate", [](auto& c) -> auto& { return c.bench.control.max_rate; }, 1,
          10'000'000, "highest rate a control request may ask for (events/s)"),
      Duration(
          "bench.control.max_duration",
          [](auto& c) -> auto& { return c.bench.control.max_duration; }, 1s, 24h * 7,
          "longest scenario a control request may ask for"),
  };
  return keys;
}

const KeyDef* FindKey(std::string_view key) {
  for (const auto& def : KeyTable()) {
    if (def.key == key) return &def;
  }
  return nullptr;
}

bool IsSection(std::string_view name) {
  for (const auto& def : KeyTable()) {
    if (def.key.size() > name.size() && def.key.starts_with(name) && def.key[name.size()] == '.') {
      return true;
    }
  }
  return false;
}

}  // namespace roseyd
