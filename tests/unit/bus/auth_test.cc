// Authentication and TLS against a real nats-server that demands them.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/mutex.h"
#include "base/startup_error.h"
#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"
#include "support/temp_dir.h"

namespace roseyd::bus {
namespace {

class AuthTest : public ::testing::Test {
 protected:
  std::unique_ptr<EmbeddedServer> StartServer(std::vector<std::string> args) {
    EmbeddedServerOptions options;
    options.port = 0;
    options.jetstream = false;
    options.log_file = dir_.File("nats-server.log");
    options.extra_args = std::move(args);
    return std::make_unique<EmbeddedServer>(options);
  }

  // Options that fail at once instead of retrying, so a refusal is visible.
  static ConnectionOptions Options(const EmbeddedServer& server, const std::string& scheme = "nats") {
    ConnectionOptions options;
    options.url = scheme + "://127.0.0.1:" + std::to_string(server.port());
    options.retry_on_failed_connect = false;
    options.connect_timeout = std::chrono::milliseconds(2000);
    return options;
  }

  // The StartupError's text, or "" if the connection was made.
  static std::string ConnectError(const ConnectionOptions& options) {
    try {
      Connection connection(options);
      return connection.IsConnected() ? "" : "not connected";
    } catch (const StartupError& e) {
      return e.what();
    }
  }

  NatsLibrary nats_library_;
  testing::TempDir dir_;
};

TEST_F(AuthTest, UserAndPassword) {
  auto server = StartServer({"--user", "roseyd", "--pass", "s3cret"});
  ConnectionOptions options = Options(*server);
  EXPECT_NE(ConnectError(options), "");  // none given
  options.user = "roseyd";
  options.password = "wrong";
  const std::string refused = ConnectError(options);
  EXPECT_NE(refused.find("uthorization"), std::string::npos) << refused;
  EXPECT_EQ(refused.find("wrong"), std::string::npos) << "a password reached an error";
  options.password = "s3cret";
  EXPECT_EQ(ConnectError(options), "");
}

TEST_F(AuthTest, Token) {
  auto server = StartServer({"--auth", "t0ken"});
  ConnectionOptions options = Options(*server);
  options.token = "other";
  EXPECT_NE(ConnectError(options), "");
  options.token = "t0ken";
  EXPECT_EQ(ConnectError(options), "");
}

TEST_F(AuthTest, TlsWithTheConfiguredCa) {
  // A throwaway CA and a server certificate for 127.0.0.1, made by openssl.
  const std::string d = dir_.path();
  const std::string make =
      "cd '" + d + "' && "
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=roseyd-test-ca "
      "-keyout ca.key -out ca.pem && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr && "
      "printf 'subjectAltName=IP:127.0.0.1' > san.ext && "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
      "-extfile san.ext -out server.pem";
  ASSERT_EQ(std::system((make + " >/dev/null 2>&1").c_str()), 0) << "openssl failed";
  auto server = StartServer({"--tls", "--tlscert", d + "/server.pem", "--tlskey", d + "/server.key"});

  ConnectionOptions options = Options(*server);
  EXPECT_NE(ConnectError(options), "");  // the server requires TLS
  options.tls_ca_file = d + "/server.pem";  // not the CA that signed it
  EXPECT_NE(ConnectError(options), "");
  options.tls_ca_file = d + "/ca.pem";
  EXPECT_EQ(ConnectError(options), "");
  options.tls_ca_file = d + "/missing.pem";
  const std::string missing = ConnectError(options);
  EXPECT_NE(missing.find("TLS CA file"), std::string::npos) << missing;
}

// Records what the connection's async error callback reports.
class ErrorRecorder : public ConnectionListener {
 public:
  void OnAsyncError(const Status& error) noexcept override {
    MutexLock lock(&mu_);
    errors_.push_back(error.message());
  }
  std::vector<std::string> errors() {
    MutexLock lock(&mu_);
    return errors_;
  }

 private:
  Mutex mu_;
  std::vector<std::string> errors_ GUARDED_BY(mu_);
};

TEST_F(AuthTest, APermissionErrorNamesTheSubjectAndTheOperation) {
  const std::string conf = dir_.File("permissions.conf");
  std::ofstream(conf) << R"(authorization {
  users = [ { user: bot, password: pw,
              permissions: { publish: ["allowed.>"], subscribe: ["_INBOX.>"] } } ]
})";
  auto server = StartServer({"-c", conf});
  ConnectionOptions options = Options(*server);
  options.user = "bot";
  options.password = "pw";
  ErrorRecorder recorder;
  Connection connection(options, &recorder);
  // cnats hands the callback a status, not the server's text; the text is the
  // connection's last error when the callback runs. Two refusals in flight at
  // once can both read the later one, so the test lets the first land first.
  const auto wait_for_errors = [&](size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (recorder.errors().size() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  ASSERT_TRUE(connection.Publish("forbidden.subject", "x").ok());  // refused by the server, later
  ASSERT_TRUE(connection.Flush(std::chrono::milliseconds(2000)).ok());
  wait_for_errors(1);
  auto subscription = connection.Subscribe("forbidden.inbox", "", [](const Message&) {});
  wait_for_errors(2);
  const std::vector<std::string> errors = recorder.errors();
  ASSERT_GE(errors.size(), 2u);
  const auto has = [&](const std::string& a, const std::string& b) {
    return std::any_of(errors.begin(), errors.end(), [&](const std::string& e) {
      return e.find(a) != std::string::npos && e.find(b) != std::string::npos;
    });
  };
  EXPECT_TRUE(has("Publish", "forbidden.subject")) << errors[0] << " | " << errors[1];
  EXPECT_TRUE(has("Subscription", "forbidden.inbox")) << errors[0] << " | " << errors[1];
}

}  // namespace
}  // namespace roseyd::bus
