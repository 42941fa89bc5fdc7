#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace roseyd::testing {

struct PostgresOptions {
  // Server settings, each passed as -c name=value. The default trades crash
  // safety for speed, which tests never need; a benchmark passes {} to keep
  // PostgreSQL's defaults (fsync, synchronous_commit on).
  std::vector<std::string> settings = {"fsync=off", "full_page_writes=off"};
};

// A PostgreSQL server of the tests' own, from Debian's postgresql package
// (its newest /usr/lib/postgresql/<version>/bin, or $ROSEYD_PG_BINDIR): a
// cluster made with initdb in a temporary folder, listening on a free
// loopback port (trust authentication, user postgres) with its unix socket
// in that folder, stopped with pg_ctl when the object dies. As root, initdb
// and pg_ctl run as the `postgres` user (initdb refuses root).
//
// Shared() is one server for the whole process, so tests pay for initdb and
// start-up once, each taking a database of its own (TestDatabase). Under
// ctest the fixture `postgres` starts one cluster for the whole run
// (roseyd_test_postgres start DIR) and Shared() attaches to it through
// ROSEYD_TEST_POSTGRES_DIR. A test that stops or restarts the server makes a
// private one.
//
// Failures throw std::runtime_error with the server log's tail.
// Thread: confined to one thread at a time.
class PostgresServer {
 public:
  // initdb and start in a fresh temporary folder.
  explicit PostgresServer(const PostgresOptions& options = {});
  ~PostgresServer();  // pg_ctl stop, unless attached

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  static PostgresServer& Shared();

  // For the ctest fixture: initdb and start in `dir` (removed first if a
  // cluster of an interrupted run is there), leaving the server running
  // after this process; StopDetached stops it and removes `dir`.
  static void StartDetached(const std::string& dir, const PostgresOptions& options = {});
  static void StopDetached(const std::string& dir);

  int port() const { return port_; }
  // postgresql://postgres@127.0.0.1:<port>/<database>
  std::string Url(const std::string& database) const;

  // A new empty database (named uniquely across processes); its name.
  // `options` are appended to CREATE DATABASE (e.g. an ICU locale).
  std::string CreateDatabase(const std::string& options = "");
  void DropDatabase(const std::string& name);

  // pg_ctl stop (fast: running transactions are rolled back, clients cut
  // off) and start again on the same port and data.
  void Stop();
  void Start();
  // SIGSTOP / SIGCONT to the server and every process of it: a server that
  // accepts connections and never answers, as one across a network cut.
  // The destructor resumes a paused server before stopping it.
  void Pause();
  void Resume();
  std::string Log() const;

 private:
  // Uses the cluster in `dir`: attaches to the running one of
  // StartDetached, or (`init`) makes and starts one there.
  PostgresServer(const std::string& dir, bool init, const PostgresOptions& options);
  void Init();
  std::string DataDir() const { return dir_ + "/data"; }

  std::unique_ptr<TempDir> temp_;  // holds dir_ when this object made it
  std::string dir_;
  PostgresOptions options_;
  int port_ = 0;
  bool running_ = false;
  bool stop_at_end_ = true;
  bool paused_ = false;
};

// A database of its own on a server, for one test; dropped (WITH (FORCE),
// cutting off whoever is still connected) when it dies.
class TestDatabase {
 public:
  explicit TestDatabase(PostgresServer* server = &PostgresServer::Shared(),
                        const std::string& options = "");
  ~TestDatabase();

  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }
  PostgresServer& server() { return *server_; }

 private:
  PostgresServer* const server_;
  const std::string name_;
  const std::string url_;
};

}  // namespace roseyd::testing
