#pragma once

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "support/eventually.h"
#include "support/pg_client.h"
#include "support/postgres_server.h"
#include "support/run_to_exit.h"  // SpawnLogged, RunToExit
#include "support/temp_dir.h"

namespace roseyd::testing {

// Where a RoseydWorld's roseyd keeps its rows: a SQLite file (the default),
// or a database of its own on the shared test PostgreSQL server.
enum class StoreKind { kSqlite, kPostgres };
inline constexpr StoreKind kAllStores[] = {StoreKind::kSqlite, StoreKind::kPostgres};
// "sqlite" or "postgres", e.g. to name the instances of a parameterised test.
std::string StoreName(StoreKind store);
// For GoogleTest's listing (and so ctest's test names): the store's name.
inline void PrintTo(StoreKind store, std::ostream* out) { *out << StoreName(store); }

// Fails the test for each line of a roseyd log that does not start with its
// time ("2026-12-07T12:00:00.000+0000 info ..."): a message spilled onto a
// line of its own.
void ExpectEveryLineHasItsTime(const std::string& log);

// The world of one integration test: a real nats-server on a free loopback
// port, the real roseyd binary as a child process pointed at it, its store
// (a SQLite file in a temporary directory, or a PostgreSQL database of its
// own) and log, and a client connection.
//
// Thread: confined to the test's thread.
class RoseydWorld {
 public:
  // `postgres`: the PostgreSQL server for StoreKind::kPostgres; null: the
  // shared one.
  explicit RoseydWorld(StoreKind store = StoreKind::kSqlite, PostgresServer* postgres = nullptr);
  ~RoseydWorld();  // SIGKILLs what is still running

  // Starts nats-server on nats_port() (a free port chosen once); `extra_args`
  // go to it (auth, TLS). With `jetstream`, its store is in dir() and
  // survives StopNats().
  void StartNats(const std::vector<std::string>& extra_args = {}, bool jetstream = false);
  void StopNats();

  // Starts roseyd with `extra_args` appended (e.g. {"--set", "k=v"}) and
  // waits until it logs that it is ready. Fails the test if it exits first.
  void StartRoseyd(const std::vector<std::string>& extra_args = {});
  // Starts roseyd and returns at once, ready or not (NATS not started yet,
  // say); wait on Log() for what it says.
  void LaunchRoseyd(const std::vector<std::string>& extra_args = {});
  // Starts roseyd and waits for it to exit (for start-up failures).
  // Returns its exit status.
  int RunRoseydToExit(const std::vector<std::string>& extra_args,
                      std::chrono::seconds timeout = std::chrono::seconds(20));
  // Sends `signal` and waits for exit; returns the exit status (128+n if killed).
  int StopRoseyd(int signal = SIGTERM,
                 std::chrono::seconds timeout = std::chrono::seconds(30));
  bool RoseydRunning();
  // The running roseyd's process id, or -1 (for tests that change its limits).
  pid_t roseyd_pid() const { return roseyd_; }

  bus::Connection& client();  // connected to nats_url(), send-asap
  std::string nats_url() const;
  int nats_port() const { return nats_port_; }
  int metrics_port() const { return metrics_port_; }
  std::string db_path() const { return dir_.File("rosey.db"); }
  StoreKind store() const { return store_; }
  // The PostgreSQL database's URI (kPostgres only).
  std::string store_url() const { return database_ ? database_->url() : ""; }
  const TempDir& dir() const { return dir_; }
  std::string Log() const;  // roseyd's stderr so far

  // Publishes each payload on subject and flushes.
  void Publish(const std::string& subject, const std::string& payload);
  // Request/reply; fails the test on timeout.
  std::string Request(const std::string& subject, const std::string& payload,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

  // One integer from the store (the file opened by the test read-only, or a
  // connection of the test's own); a boolean reads as 1 or 0. SQL that both
  // SQLite and PostgreSQL take: CAST(b AS INTEGER) = 1 for a flag.
  int64_t QueryInt(const std::string& sql) const;
  // Whether the store has a table named `name` (a test's constant).
  bool TableExists(const std::string& name) const;
  // Runs `sql` on the store as another program would; fails the test on error.
  void Exec(const std::string& sql) const;
  // The /metrics text.
  std::string Scrape() const;
  // The value of the sample whose line starts with `series` (name{labels}),
  // or -1 if absent.
  double Metric(const std::string& series) const;

  // Polls `predicate` every 20 ms until it holds or `timeout` passes.
  template <typename Predicate>
  static bool WaitFor(Predicate predicate,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    return Eventually(predicate, timeout, std::chrono::milliseconds(20));
  }

 private:
  pid_t Spawn(const std::vector<std::string>& extra_args);

  TempDir dir_;
  const StoreKind store_;
  std::unique_ptr<TestDatabase> database_;  // kPostgres
  std::unique_ptr<PgClient> pg_;            // kPostgres: the test's own view
  // One for all the worlds alive at once: closing the library under another
  // world's connection would stall that one's close for seconds.
  std::shared_ptr<bus::NatsLibrary> nats_library_;
  int nats_port_;
  int metrics_port_;
  std::unique_ptr<bus::EmbeddedServer> nats_;
  std::unique_ptr<bus::Connection> client_;
  pid_t roseyd_ = -1;
  int last_exit_ = -1;  // exit status of the last roseyd that ended
};

// What "stops within 2 s" means in the stop tests; well under every timeout
// a stop used to wait for (service.drain_timeout 30 s, store.busy_timeout 5 s
// per try, 10 s in cpu_overhead after a cancel, libpq's 60 s for a reply).
inline constexpr double kStopBoundMs = 2000;

// SIGTERM, then the time until roseyd has exited, in ms, printed as a
// "[ figure ] stop <state>" line; fails the test unless the exit status is 0.
double TimedStop(RoseydWorld* world, const char* state);

}  // namespace roseyd::testing
