#include "bus/embedded_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "support/temp_dir.h"

namespace roseyd::bus {
namespace {

using testing::TempDir;

EmbeddedServerOptions LoopbackOptions(const TempDir& dir, int port = 0) {
  EmbeddedServerOptions options;
  options.port = port;
  options.jetstream = false;
  options.store_dir = dir.File("jetstream");
  options.log_file = dir.File("nats-server.log");
  return options;
}

// What the EmbeddedServer constructor throws for `options`; fails the test if
// the server starts.
std::string StartupErrorMessage(const EmbeddedServerOptions& options) {
  try {
    EmbeddedServer server(options);
  } catch (const StartupError& error) {
    return error.what();
  }
  ADD_FAILURE() << "nats-server started on port " << options.port;
  return {};
}

// A loopback TCP socket that listens but never accepts: the port is busy.
class ListeningSocket {
 public:
  ListeningSocket() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(fd_, 1) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on loopback: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~ListeningSocket() {
    if (fd_ >= 0) close(fd_);
  }
  ListeningSocket(const ListeningSocket&) = delete;
  ListeningSocket& operator=(const ListeningSocket&) = delete;

  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// Two ports asked for before either is bound must differ: the kernel alone can give
// the same one twice (a test once got its NATS port as its metrics port).
TEST(EmbeddedServerTest, FindFreePortNeverGivesTheSamePortTwice) {
  std::set<int> seen;
  for (int i = 0; i < 500; ++i) {
    const int port = FindFreePort();
    EXPECT_TRUE(seen.insert(port).second) << "port " << port << " given twice";
  }
}

TEST(EmbeddedServerTest, StartsOnAFreePortAndStopsTwice) {
  TempDir dir;
  EmbeddedServer server(LoopbackOptions(dir));
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.url(), "nats://127.0.0.1:" + std::to_string(server.port()));
  EXPECT_TRUE(PortAcceptsConnections("127.0.0.1", server.port()));
  const pid_t child = server.pid();
  ASSERT_GT(child, 0);

  server.Stop();
  EXPECT_FALSE(PortAcceptsConnections("127.0.0.1", server.port()));
  // Reaped, not a zombie: the pid no longer exists at all.
  const int signalled = kill(child, 0);
  const int error = errno;
  EXPECT_EQ(signalled, -1);
  EXPECT_EQ(error, ESRCH);
  server.Stop();
  EXPECT_FALSE(PortAcceptsConnections("127.0.0.1", server.port()));
}

TEST(EmbeddedServerTest, RefusesAPortSomeoneListensOn) {
  TempDir dir;
  ListeningSocket busy;
  ASSERT_GT(busy.port(), 0);
  const std::string message = StartupErrorMessage(LoopbackOptions(dir, busy.port()));
  EXPECT_NE(message.find("port " + std::to_string(busy.port())), std::string::npos) << message;
}

TEST(EmbeddedServerTest, RefusesThePortOfAnotherServerAndLeavesItRunning) {
  TempDir first_dir, second_dir;
  EmbeddedServer first(LoopbackOptions(first_dir));
  const std::string message = StartupErrorMessage(LoopbackOptions(second_dir, first.port()));
  EXPECT_NE(message.find("port " + std::to_string(first.port())), std::string::npos) << message;
  EXPECT_TRUE(PortAcceptsConnections("127.0.0.1", first.port()));
}

TEST(EmbeddedServerTest, ReportsAChildThatExitsBeforeListening) {
  TempDir dir;
  EmbeddedServerOptions options = LoopbackOptions(dir);
  options.extra_args = {"--no-such-option"};
  const std::string message = StartupErrorMessage(options);
  EXPECT_NE(message.find("exited with status"), std::string::npos) << message;
  EXPECT_NE(message.find(options.log_file), std::string::npos) << message;
}

}  // namespace
}  // namespace roseyd::bus
