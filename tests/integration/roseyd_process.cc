#include "integration/roseyd_process.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/http_get.h"
#include "support/run_to_exit.h"

namespace roseyd::testing {

namespace {

int ExitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// The process's cnats library while some world is alive (tests run on one
// thread).
std::shared_ptr<bus::NatsLibrary> SharedNatsLibrary() {
  static std::weak_ptr<bus::NatsLibrary> current;
  std::shared_ptr<bus::NatsLibrary> library = current.lock();
  if (!library) {
    library = std::make_shared<bus::NatsLibrary>();
    current = library;
  }
  return library;
}

}  // namespace

std::string StoreName(StoreKind store) {
  return store == StoreKind::kSqlite ? "sqlite" : "postgres";
}

RoseydWorld::RoseydWorld(StoreKind store, PostgresServer* postgres)
    : store_(store),
      nats_library_(SharedNatsLibrary()),
      nats_port_(bus::FindFreePort()),
      metrics_port_(bus::FindFreePort()) {
  if (store_ == StoreKind::kPostgres) {
    database_ = std::make_unique<TestDatabase>(postgres ? postgres : &PostgresServer::Shared());
    pg_ = std::make_unique<PgClient>(database_->url());
  }
}

RoseydWorld::~RoseydWorld() {
  if (roseyd_ > 0) {
    kill(roseyd_, SIGKILL);
    waitpid(roseyd_, nullptr, 0);
  }
  client_.reset();
  nats_.reset();
}

void RoseydWorld::StartNats(const std::vector<std::string>& extra_args, bool jetstream) {
  bus::EmbeddedServerOptions options;
  options.extra_args = extra_args;
  options.port = nats_port_;
  options.jetstream = jetstream;
  options.store_dir = dir_.File("nats-store");  // kept across restarts of the server
  options.log_file = dir_.File("nats-server.log");
  nats_ = std::make_unique<bus::EmbeddedServer>(options);
}

void RoseydWorld::StopNats() { nats_.reset(); }

std::string RoseydWorld::nats_url() const {
  return "nats://127.0.0.1:" + std::to_string(nats_port_);
}

bus::Connection& RoseydWorld::client() {
  if (!client_) {
    bus::ConnectionOptions options;
    options.url = nats_url();
    options.name = "roseyd-test-client";
    options.send_asap = true;
    options.reconnect_wait = std::chrono::milliseconds(50);
    options.reconnect_wait_max = std::chrono::milliseconds(200);
    client_ = std::make_unique<bus::Connection>(options);
  }
  return *client_;
}

void ExpectEveryLineHasItsTime(const std::string& log) {
  for (size_t start = 0; start < log.size();) {
    const size_t end = log.find('\n', start);
    const std::string line = log.substr(start, end - start);
    EXPECT_TRUE(line.size() > 24 && line[4] == '-' && line[10] == 'T') << line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

pid_t RoseydWorld::Spawn(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {
      ROSEYD_BINARY,   "run",
      "--nats-url",    nats_url(),
      "--data-dir",    dir_.path(),
      "--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port_),
      "--log-level",   "debug",
      // A test must not depend on the developer's config/roseyd.yaml.
      "--config",      std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml",
      // No benchmark at start-up: tests count their own rows.
      "--set",         "bench.run_at_start="};
  if (store_ == StoreKind::kPostgres) {
    args.insert(args.end(), {"--set", "store.url=" + database_->url()});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return SpawnLogged(args, dir_.File("roseyd.log"));
}

void RoseydWorld::StartRoseyd(const std::vector<std::string>& extra_args) {
  // The metrics port was free when chosen, but with tests in parallel another
  // process's outgoing connection can take it first (it lies in the kernel's
  // ephemeral range): seen in CI. Then roseyd says so and exits; take another.
  for (int attempt = 1;; ++attempt) {
    const size_t log_before = Log().size();
    roseyd_ = Spawn(extra_args);
    ASSERT_GT(roseyd_, 0);
    // " ready in ": roseyd's ready line, not the "already in use" of a port
    // taken (which once made a failed start look ready).
    const bool ready = WaitFor(
        [&] {
          return Log().find(" ready in ", log_before) != std::string::npos || !RoseydRunning();
        },
        std::chrono::milliseconds(15000));
    if (ready && RoseydRunning()) return;
    const std::string taken = "cannot listen on 127.0.0.1:" + std::to_string(metrics_port_) +
                              ": Address already in use";
    if (attempt < 3 && Log().find(taken, log_before) != std::string::npos) {
      StopRoseyd(SIGKILL);
      metrics_port_ = bus::FindFreePort();
      continue;
    }
    FAIL() << "roseyd did not become ready:\n" << Log();
  }
}

void RoseydWorld::LaunchRoseyd(const std::vector<std::string>& extra_args) {
  roseyd_ = Spawn(extra_args);
  ASSERT_GT(roseyd_, 0);
}

int RoseydWorld::RunRoseydToExit(const std::vector<std::string>& extra_args,
                                 std::chrono::seconds timeout) {
  roseyd_ = Spawn(extra_args);
  if (roseyd_ <= 0) return -1;
  WaitFor([&] { return !RoseydRunning(); }, timeout);
  return StopRoseyd(SIGKILL);
}

bool RoseydWorld::RoseydRunning() {
  if (roseyd_ <= 0) return false;
  int status = 0;
  const pid_t r = waitpid(roseyd_, &status, WNOHANG);
  if (r == 0) return true;
  last_exit_ = ExitStatus(status);
  roseyd_ = -1;
  return false;
}

int RoseydWorld::StopRoseyd(int signal, std::chrono::seconds timeout) {
  if (roseyd_ > 0) {
    kill(roseyd_, signal);
    if (!WaitFor([&] { return !RoseydRunning(); }, timeout)) {
      ADD_FAILURE() << "roseyd did not exit within " << timeout.count() << " s";
      kill(roseyd_, SIGKILL);
      WaitFor([&] { return !RoseydRunning(); });
    }
  }
  return last_exit_;
}

std::string RoseydWorld::Log() const {
  std::ifstream in(dir_.File("roseyd.log"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void RoseydWorld::Publish(const std::string& subject, const std::string& payload) {
  const Status s = client().Publish(subject, payload);
  ASSERT_TRUE(s.ok()) << s.ToString();
}

std::string RoseydWorld::Request(const std::string& subject, const std::string& payload,
                                 std::chrono::milliseconds timeout) {
  std::string reply;
  const Status s = client().Request(subject, payload, timeout, &reply);
  EXPECT_TRUE(s.ok()) << subject << ": " << s.ToString();
  return reply;
}

int64_t RoseydWorld::QueryInt(const std::string& sql) const {
  if (pg_) return pg_->Int(sql).value_or(-1);
  sqlite3* db = nullptr;
  int64_t value = -1;
  if (sqlite3_open_v2(db_path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

bool RoseydWorld::TableExists(const std::string& name) const {
  return QueryInt(pg_ ? "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                        "current_schema() AND table_name = '" + name + "'"
                      : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" +
                            name + "'") == 1;
}

void RoseydWorld::Exec(const std::string& sql) const {
  if (pg_) {
    const std::string error = pg_->Exec(sql);
    EXPECT_EQ(error, "") << sql;
    return;
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sql << ": " << sqlite3_errmsg(db);
  sqlite3_close(db);
}

std::string RoseydWorld::Scrape() const { return HttpGet("127.0.0.1", metrics_port_, "/metrics"); }

double RoseydWorld::Metric(const std::string& series) const {
  std::istringstream text(Scrape());
  for (std::string line; std::getline(text, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

double TimedStop(RoseydWorld* world, const char* state) {
  const auto started = std::chrono::steady_clock::now();
  const int status = world->StopRoseyd(SIGTERM);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
          .count();
  std::printf("[ figure ] stop %s: %.0f ms\n", state, ms);
  EXPECT_EQ(status, 0) << world->Log();
  return ms;
}

}  // namespace roseyd::testing
