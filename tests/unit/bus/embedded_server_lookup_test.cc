// EmbeddedServer's search for its binary, which fails before any process or
// socket exists. The tests that start nats-server are in
// embedded_server_test.cc.

#include <string>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "bus/embedded_server.h"
#include "support/temp_dir.h"

namespace roseyd::bus {
namespace {

using testing::TempDir;

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

TEST(EmbeddedServerTest, NamesAMissingBinary) {
  TempDir dir;
  EmbeddedServerOptions options;
  options.port = 0;
  options.jetstream = false;
  options.binary = dir.File("no-such-nats-server");
  const std::string message = StartupErrorMessage(options);
  EXPECT_NE(message.find(options.binary), std::string::npos) << message;

  options.binary = "roseyd-test-no-such-nats-server";  // looked up on PATH
  const std::string on_path = StartupErrorMessage(options);
  EXPECT_NE(on_path.find(options.binary), std::string::npos) << on_path;
}

}  // namespace
}  // namespace roseyd::bus
