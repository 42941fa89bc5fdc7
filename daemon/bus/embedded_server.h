#pragma once

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace roseyd::bus {

struct EmbeddedServerOptions {
  std::string binary = "nats-server";  // searched on PATH unless it has a '/'
  std::string host = "127.0.0.1";
  int port = 4222;  // 0: a free port is chosen
  bool jetstream = true;
  std::string store_dir;  // JetStream store directory; required if jetstream
  std::string log_file;   // empty: the child's output goes to /dev/null
  std::chrono::milliseconds ready_timeout{5000};
  std::vector<std::string> extra_args;
};

// A nats-server child process for the zero-setup default and for tests.
// The constructor starts it and returns once it accepts TCP connections; the
// child runs in its own process group (a Ctrl-C meant for roseyd does not stop
// it mid-drain) and dies with the parent (PR_SET_PDEATHSIG) if roseyd is killed.
//
// Thread: confined to the thread that owns it.
class EmbeddedServer {
 public:
  // Throws StartupError naming the cause: binary not found, port in use,
  // child exited early (with its exit status), or not ready in time.
  explicit EmbeddedServer(EmbeddedServerOptions options);
  ~EmbeddedServer();  // Stop()

  EmbeddedServer(const EmbeddedServer&) = delete;
  EmbeddedServer& operator=(const EmbeddedServer&) = delete;

  std::string url() const;  // nats://host:port
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, then SIGKILL after a grace period; reaps the child. Idempotent.
  void Stop();
  // SIGKILL at once (fault tests); reaps the child. Idempotent.
  void Kill();

 private:
  EmbeddedServerOptions options_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on `host` that nothing listens on right now (bind to port 0), never one
// this process was given before. Throws StartupError if none can be had.
int FindFreePort(const std::string& host = "127.0.0.1");

// True if something accepts TCP connections on host:port.
bool PortAcceptsConnections(const std::string& host, int port);

}  // namespace roseyd::bus
