#include "config/config_loader.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>

#include "base/startup_error.h"

extern char** environ;

namespace roseyd {
namespace {

using std::chrono::nanoseconds;
using namespace std::chrono_literals;

constexpr std::string_view kEnvPrefix = "ROSEYD_";

[[noreturn]] void Fail(const std::string& source, const std::string& message) {
  throw StartupError("config", source + ": " + message);
}

std::string Quote(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ParseInt(std::string_view text, int64_t* out) {
  text = Trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

// "250ms", "2s", "5m", "1h", "1500us": an integer and a unit, no spaces.
// Returns the problem, or "" on success.
std::string ParseDuration(std::string_view text, nanoseconds* out) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {{"ns", 1},
                                                                    {"us", 1'000},
                                                                    {"ms", 1'000'000},
                                                                    {"s", 1'000'000'000},
                                                                    {"m", 60'000'000'000},
                                                                    {"h", 3'600'000'000'000}};
  text = Trim(text);
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  const std::string_view unit = text.substr(digits);
  if (digits == 0) {
    return "expected a duration such as '250ms', '2s' or '5m', got " + Quote(text);
  }
  if (unit.empty()) {
    return "duration " + Quote(text) + " needs a unit: ns, us, ms, s, m or h (e.g. '" +
           std::string(text) + "ms')";
  }
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    int64_t count = 0;
    if (!ParseInt(text.substr(0, digits), &count) ||
        count > std::numeric_limits<int64_t>::max() / scale) {
      return "duration " + Quote(text) + " is too long";
    }
    *out = nanoseconds(count * scale);
    return "";
  }
  return "duration " + Quote(text) + " has an unknown unit " + Quote(unit) +
         " (use ns, us, ms, s, m or h)";
}

// The largest unit that renders `d` exactly: 5000ms -> "5s", 3600s -> "1h".
std::string FormatDuration(nanoseconds d) {
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"h", 3'600'000'000'000}, {"m", 60'000'000'000}, {"s", 1'000'000'000},
      {"ms", 1'000'000},        {"us", 1'000},         {"ns", 1}};
  if (d.count() == 0) return "0s";
  for (const auto& [name, scale] : kUnits) {
    if (d.count() % scale == 0) return std::to_string(d.count() / scale) + std::string(name);
  }
  return std::to_string(d.count()) + "ns";  // unreachable: scale 1 always divides
}

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

// One configuration key. This table is the only place that knows the keys:
// the YAML walk, the environment, --set, validation and ConfigKeys() all
// read it.
struct KeyDef {
  std::string key;   // "store.batch_max_events"
  std::string help;  // one line, with units
  // Parses `text` into the field; returns the problem, or "" when valid.
  std::function<std::string(Config*, std::string_view)> set;
  std::function<std::string(const Config&)> get;

  std::string Env() const {
    std::string env(kEnvPrefix);
    for (char c : key) env += c == '.' ? '_' : static_cast<char>(std::toupper(c));
    return env;
  }
};

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

const std::vector<KeyDef>& Keys() {
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
          "NATS server URL; empty: start an embedded nats-server"),
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
          1ms, 1h, "on shutdown, how long to finish messages already received"),
      String(
          "service.commit_ack_subject",
          [](auto& c) -> auto& { return c.service.commit_ack_subject; },
          "subject on which each committed batch's traced events are acknowledged, for a load "
          "generator in another process (roseyd bench --nats-url); empty: off",
          [](std::string_view t) { return SubjectPart(t, true); }),
      String(
          "store.path", [](auto& c) -> auto& { return c.store.path; },
          "SQLite database file; empty: <data_dir>/rosey.db"),
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
          "store.maintenance_interval",
          [](auto& c) -> auto& { return c.store.maintenance_interval; }, 1s, 24h * 7,
          "period of maintenance: delete old user counts, sent outbound messages and revoked tokens, then ANALYZE"),
      Duration(
          "store.retention_interval", [](auto& c) -> auto& { return c.store.retention_interval; },
          1s, 24h, "period of recent_chat pruning"),
      Int(
          "store.recent_chat_retention_hours",
          [](auto& c) -> auto& { return c.store.recent_chat_retention_hours; }, 1, 100'000,
          "how long recent_chat rows are kept (hours)"),
      String(
          "metrics.listen", [](auto& c) -> auto& { return c.metrics.listen; },
          "host:port of the Prometheus /metrics endpoint; empty: off", CheckListenAddress),
      String(
          "bench.run_at_start", [](auto& c) -> auto& { return c.bench.run_at_start; },
          "benchmark suite run once after start-up, against this roseyd: quick, classic, full; "
          "empty: none",
          [](std::string_view t) -> std::string {
            if (t.empty() || t == "quick" || t == "classic" || t == "full") return "";
            return "'" + std::string(t) + "' is not one of quick, classic, full or empty";
          }),
      String(
          "bench.scenarios_file", [](auto& c) -> auto& { return c.bench.scenarios_file; },
          "YAML file of benchmark scenarios and suites; empty: the built-in config/scenarios.yaml"),
      String(
          "bench.out_dir", [](auto& c) -> auto& { return c.bench.out_dir; },
          "where benchmark reports are written; empty: <data_dir>/bench"),
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
  for (const auto& def : Keys()) {
    if (def.key == key) return &def;
  }
  return nullptr;
}

// "nats" and "nats.embedded": every proper dotted prefix of a key.
bool IsSection(std::string_view name) {
  for (const auto& def : Keys()) {
    if (def.key.size() > name.size() && def.key.starts_with(name) && def.key[name.size()] == '.') {
      return true;
    }
  }
  return false;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string_view Parent(std::string_view key) {
  const size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}

std::string_view Leaf(std::string_view key) {
  const size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// " (did you mean 'x'?)", or "" when nothing is close. A key placed in the
// wrong section is found by its last name; otherwise the names in the same
// section within about half their length in edits, or starting with the same
// word ("batch_size": "batch_max_events"): the closest, and one within an
// edit of it, in table order.
std::string Suggestion(std::string_view unknown) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& def : Keys()) {
    for (std::string_view name = def.key; !name.empty(); name = Parent(name)) {
      if (seen.insert(std::string(name)).second) names.emplace_back(name);
    }
  }
  std::vector<std::string> picks;
  for (const auto& name : names) {
    if (Leaf(name) == Leaf(unknown) && FindKey(name) != nullptr) picks.push_back(name);
  }
  if (picks.empty()) {
    std::vector<std::pair<size_t, std::string>> scored;
    size_t best = std::string::npos;
    const std::string leaf = Lower(Leaf(unknown));
    for (const auto& name : names) {
      if (Parent(name) != Parent(unknown)) continue;
      const size_t d = EditDistance(leaf, Leaf(name));
      const std::string_view word = Leaf(name).substr(0, Leaf(name).find('_'));
      const bool same_first_word = word.size() >= 3 && leaf.starts_with(word) &&
                                   (leaf.size() == word.size() || leaf[word.size()] == '_');
      if (same_first_word ||
          d <= std::max<size_t>(2, std::max(leaf.size(), Leaf(name).size()) / 2)) {
        scored.emplace_back(d, name);
        best = std::min(best, d);
      }
    }
    for (const auto& [d, name] : scored) {
      if (d <= best + 1 && picks.size() < 2) picks.push_back(name);
    }
  }
  if (picks.empty()) return "";
  std::string out = " (did you mean " + Quote(picks[0]);
  if (picks.size() > 1) out += " or " + Quote(picks[1]);
  return out + "?)";
}

std::string UnknownKey(std::string_view key) {
  return "unknown key " + Quote(key) + Suggestion(key);
}

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
    if (!root.IsMap()) {
      Fail(Where(path, root.Mark()),
           "expected a mapping of sections at the top level, got " + KindName(root));
    }
    std::set<std::string> seen;
    Walk(path, root, "", &seen);
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
    const ServiceConfig& service = config_.service;
    if (!service.commit_ack_subject.empty() &&
        (service.commit_ack_subject + ".").starts_with(service.subject_prefix + ".")) {
      Fail(origin_["service.commit_ack_subject"],
           "service.commit_ack_subject: '" + service.commit_ack_subject +
               "' is under service.subject_prefix '" + service.subject_prefix +
               "': roseyd would receive its own acknowledgements as events");
    }
    if (config_.bench.control.enabled && config_.bench.control.token.empty()) {
      Fail(origin_["bench.control.enabled"],
           "bench.control.enabled needs bench.control.token (or ROSEYD_BENCH_CONTROL_TOKEN): "
           "control requests without a token are refused");
    }
    return std::move(config_);
  }

 private:
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

  static std::string Where(const std::string& path, const YAML::Mark& mark) {
    if (mark.is_null()) return path;
    return path + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
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
      Fail(Where(path, e.mark), "invalid YAML: " + e.msg);
    }
  }

  void Walk(const std::string& path, const YAML::Node& map, const std::string& prefix,
            std::set<std::string>* seen) {
    for (const auto& entry : map) {
      const YAML::Node& name_node = entry.first;
      const YAML::Node& value = entry.second;
      const std::string where = Where(path, name_node.Mark());
      if (!name_node.IsScalar()) Fail(where, "expected a key name, got " + KindName(name_node));
      const std::string key =
          prefix.empty() ? name_node.Scalar() : prefix + "." + name_node.Scalar();
      if (!seen->insert(key).second) Fail(where, key + ": duplicate key");
      if (const KeyDef* def = FindKey(key)) {
        if (value.IsMap() || value.IsSequence()) {
          Fail(where, key + ": expected a single value, got " + KindName(value));
        }
        Set(*def, value.IsNull() ? std::string() : value.Scalar(), Where(path, value.Mark()));
      } else if (IsSection(key)) {
        if (value.IsNull()) continue;  // a section with every key commented out
        if (!value.IsMap()) {
          Fail(where, key + ": expected a mapping of keys, got " + KindName(value));
        }
        Walk(path, value, key, seen);
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
  for (const auto& def : Keys()) builder.Set(def, def.get(Config()), "defaults");
  if (!sources.file.empty()) builder.LoadFile(sources.file);
  for (const auto& def : Keys()) {
    const std::string env = def.Env();
    if (auto it = sources.env.find(env); it != sources.env.end()) {
      builder.Set(def, it->second, "environment variable " + env);
    }
  }
  for (const auto& [key, value] : sources.overrides) {
    const KeyDef* def = FindKey(key);
    if (def == nullptr) Fail("--set", UnknownKey(key));
    builder.Set(*def, value, "--set");
  }
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
  for (const auto& def : Keys()) keys.push_back({def.key, def.Env(), def.get(defaults), def.help});
  return keys;
}

std::string DescribeConfig(const Config& config) {
  std::string text;
  for (const auto& def : Keys()) {
    std::string value = def.get(config);
    const bool secret = def.key == "nats.auth.password" || def.key == "nats.auth.token" ||
                        def.key == "bench.control.token";
    if (secret && !value.empty()) value = "***";
    text += def.key + ": \"" + value + "\"\n";
  }
  return text;
}

}  // namespace roseyd
