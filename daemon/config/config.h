#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace roseyd {

// Everything roseyd can be told. Each field carries its default; the YAML key
// that sets it is the section and field name (`store.batch_max_events`), and
// the environment variable is ROSEYD_ plus that key in upper case with dots as
// underscores (ROSEYD_STORE_BATCH_MAX_EVENTS). config/roseyd.yaml documents them.
struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string format = "text";  // text or json
};

struct EmbeddedNatsConfig {
  std::string binary = "nats-server";  // looked up on PATH unless absolute
  std::string host = "127.0.0.1";
  int port = 4222;               // 0 picks a free port
  bool jetstream = true;
  std::string store_dir;         // JetStream store; empty: <data_dir>/nats
  std::chrono::milliseconds ready_timeout{5000};
};

// How roseyd proves who it is to NATS: at most one of user/password, token,
// credentials file or NKey, plus TLS. Secrets may come from files (*_file)
// or ROSEYD_NATS_* variables; LoadConfig reads the files into password and
// token. Nothing here is ever logged.
struct NatsAuthConfig {
  std::string user;
  std::string password;
  std::string password_file;
  std::string token;
  std::string token_file;
  std::string credentials_file;  // a .creds file (JWT + NKey seed)
  std::string nkey;              // public NKey (U...)
  std::string nkey_seed_file;    // its seed
  std::string tls_ca_file;       // set: TLS, trusting this CA
  std::string tls_cert_file;     // client certificate, with tls_key_file
  std::string tls_key_file;
};

struct NatsConfig {
  std::string url;  // empty: start the embedded server below and connect to it
  std::string name = "roseyd";
  NatsAuthConfig auth;
  EmbeddedNatsConfig embedded;
  std::chrono::milliseconds reconnect_wait{250};      // first back-off step
  std::chrono::milliseconds reconnect_wait_max{5000};  // back-off ceiling
  std::chrono::milliseconds connect_timeout{2000};
  int pending_msgs_limit = 1'000'000;  // per subscription, before drops
  int64_t pending_bytes_limit = 256LL << 20;
};

// Durable intake (service.durability: jetstream): a stream keeps every event
// subject, roseyd reads it through a durable pull consumer, and the database
// remembers the last stream sequence applied, in the same transaction as the
// rows, so neither a crash nor a redelivery loses or doubles an event.
struct JetStreamConfig {
  std::string stream = "ROSEY_DB";
  std::string consumer = "roseyd";  // durable consumer name
  std::chrono::seconds max_age{std::chrono::hours(24 * 7)};  // 0: no limit
  int64_t max_bytes = int64_t{1} << 30;                      // -1: no limit
  std::chrono::milliseconds ack_wait{30000};  // redelivery after this without an ack
  // Copies of the stream on a NATS cluster (1..5); more than 1 needs a
  // cluster of at least that many JetStream servers.
  int replicas = 1;
};

struct ServiceConfig {
  std::string durability = "core";  // core (drop-in) or jetstream
  JetStreamConfig jetstream;
  bool Durable() const { return durability == "jetstream"; }
  std::string subject_prefix = "rosey.db";
  std::string queue_group = "rosey-db";  // empty: no queue group
  int64_t max_payload_bytes = int64_t{64} * 1024;
  int request_workers = 2;
  int max_request_limit = 1000;  // `limit` above this is refused
  std::chrono::milliseconds request_timeout{900};  // read-your-writes wait cap
  // On SIGTERM, how long to hand the messages NATS already delivered to the
  // writer and the request workers (normally milliseconds: nothing blocks
  // the hand-over at a stop, and a lost connection is not waited for); what
  // is still pending after it is lost (and logged). Generous: losing is worse.
  std::chrono::milliseconds drain_timeout{30000};
  // Non-empty: after each commit, publish the trace ids of the traced events
  // it made durable (and of those the store rejected) on this subject, so a
  // load generator in another process can follow its events to their
  // commits. Off by default: a bot never sends traced events.
  std::string commit_ack_subject;
  // The plugin storage API (rosey.db.kv, row, migrate). Migrations are read
  // from <plugins_dir>/<plugin>/migrations/NNN_name.sql; empty: no plugin
  // has any (apply answers "No pending migrations", as the original for a
  // plugin without a migrations directory, with a "reason" saying why).
  std::string plugins_dir;
  // Plugin names that may use the storage API (the row/migrate subject's
  // plugin token, kv's plugin_name); empty: any, as the original.
  std::vector<std::string> storage_plugins;
};

// Where rows go: a SQLite file (the default), or PostgreSQL when `url` is
// set (`path` is then unused). `synchronous` and `busy_timeout` concern
// SQLite only.
struct StoreConfig {
  std::string path;  // SQLite file; empty: <data_dir>/rosey.db
  // postgresql://user@host:port/db selects PostgreSQL (libpq URI; a password
  // is better left to PGPASSFILE/PGPASSWORD). Never logged unredacted.
  std::string url;
  std::string synchronous = "normal";  // off, normal, full, extra
  int batch_max_events = 1024;
  std::chrono::milliseconds batch_max_delay{2};
  int64_t write_queue_capacity = 65536;  // events; intake blocks when full
  std::chrono::milliseconds busy_timeout{5000};
  // On SIGTERM, how long the writer keeps committing what was received; what
  // it could not commit by then (a locked file) goes to <database>.pending
  // and commits first at the next start.
  std::chrono::milliseconds stop_timeout{1000};
  std::chrono::seconds maintenance_interval{3600};
  std::chrono::seconds retention_interval{60};  // recent_chat pruning period
  // Period of the purge of expired plugin keys (plugin_kv_storage); reads
  // hide them at once. The original purged every 300 s.
  std::chrono::seconds kv_purge_interval{300};
  int recent_chat_retention_hours = 150;
};

struct MetricsConfig {
  // /metrics and /ready (200 when serving with NATS connected, else 503);
  // empty: neither.
  std::string listen = "127.0.0.1:9464";
};

// Load-generator control over NATS: off unless enabled, and then only for
// requests carrying the token; rate and duration capped so the control plane
// cannot be turned into a flood.
struct BenchControlConfig {
  bool enabled = false;
  std::string subject_prefix = "roseyd.bench";  // <prefix>.list, .start, .status, .cancel
  std::string token;  // required when enabled; prefer ROSEYD_BENCH_CONTROL_TOKEN
  int64_t max_rate = 20000;  // events/s a run may offer
  std::chrono::milliseconds max_duration{600000};  // longest scenario a request may ask for
};

// The load generator of `roseyd run` (bench.run_at_start and the control
// subjects) drives a service instance of its own, on a scratch database
// under <data_dir>/bench/scratch, on subjects under subject_prefix: never
// the bot's subjects, database or metrics.
struct BenchConfig {
  // Suite run once after start-up: "" (none), quick, classic, full. It runs
  // against the benchmark's own service instance, not the bot's, but in the
  // bot's process: it costs the bot's requests latency while it runs, so
  // only the demo config (config/roseyd.yaml) turns it on.
  std::string run_at_start;
  std::string scenarios_file;  // empty: the built-in copy of config/scenarios.yaml
  std::string out_dir;         // reports, one folder per run; empty: <data_dir>/bench
  std::string subject_prefix = "roseyd.bench.load";  // the benchmark instance's subjects
  std::string queue_group = "roseyd-bench";          // and its queue group
  // PostgreSQL for the failover scenario's instances (schema roseyd_bench,
  // dropped after); never store.url. Empty: that scenario cannot run.
  std::string store_url;
  int keep_runs = 20;  // report folders kept in out_dir; older ones are removed
  // Read-only requests per second to the bot's service during a run, to
  // show its latency beside idle; 0: no probe.
  int bot_probe_rate = 20;
  BenchControlConfig control;
};

struct Config {
  std::string data_dir = "data";
  LogConfig log;
  NatsConfig nats;
  ServiceConfig service;
  StoreConfig store;
  MetricsConfig metrics;
  BenchConfig bench;

  // Paths with defaults resolved against data_dir. DatabasePath() is the
  // SQLite file, empty when store.url selects PostgreSQL.
  std::string DatabasePath() const;
  // Beside the database: the events a stop could not commit, for the next start.
  std::string PendingEventsPath() const;
  // The store for logs: the SQLite file, or store.url with its password
  // redacted.
  std::string StoreDescription() const;
  std::string NatsStoreDir() const;
  std::string BenchOutDir() const;
  // The benchmark instance's scratch folder, emptied before and removed
  // after each run: <data_dir>/bench/scratch.
  std::string BenchScratchDir() const;
};

}  // namespace roseyd
