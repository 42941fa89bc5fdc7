#pragma once

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "support/temp_dir.h"

namespace roseyd::testing {

// Starts `args` (args[0] is the executable) with its stdout and stderr
// appended to `log`. Returns the pid, or -1 after failing the test.
pid_t SpawnLogged(std::vector<std::string> args, const std::string& log);

// The world of one integration test: a real nats-server on a free loopback
// port, the real roseyd binary as a child process pointed at it, its SQLite
// file and log in a temporary directory, and a client connection.
//
// Thread: confined to the test's thread.
class RoseydWorld {
 public:
  RoseydWorld();
  ~RoseydWorld();  // SIGKILLs what is still running

  // Starts nats-server on nats_port() (a free port chosen once); `extra_args`
  // go to it (auth, TLS). With `jetstream`, its store is in dir() and
  // survives StopNats().
  void StartNats(const std::vector<std::string>& extra_args = {}, bool jetstream = false);
  void StopNats();

  // Starts roseyd with `extra_args` appended (e.g. {"--set", "k=v"}) and
  // waits until it logs that it is ready. Fails the test if it exits first.
  void StartRoseyd(const std::vector<std::string>& extra_args = {});
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
  const TempDir& dir() const { return dir_; }
  std::string Log() const;  // roseyd's stderr so far

  // Publishes each payload on subject and flushes.
  void Publish(const std::string& subject, const std::string& payload);
  // Request/reply; fails the test on timeout.
  std::string Request(const std::string& subject, const std::string& payload,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

  // One integer from the database file (opened by the test, read-only).
  int64_t QueryInt(const std::string& sql) const;
  // The /metrics text.
  std::string Scrape() const;
  // The value of the sample whose line starts with `series` (name{labels}),
  // or -1 if absent.
  double Metric(const std::string& series) const;

  // Polls `predicate` every 20 ms until it holds or `timeout` passes.
  template <typename Predicate>
  static bool WaitFor(Predicate predicate,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (predicate()) return true;
      usleep(20'000);
    }
    return predicate();
  }

 private:
  pid_t Spawn(const std::vector<std::string>& extra_args);

  TempDir dir_;
  bus::NatsLibrary nats_library_;
  int nats_port_;
  int metrics_port_;
  std::unique_ptr<bus::EmbeddedServer> nats_;
  std::unique_ptr<bus::Connection> client_;
  pid_t roseyd_ = -1;
  int last_exit_ = -1;  // exit status of the last roseyd that ended
};

}  // namespace roseyd::testing
