#include "metrics/metrics_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "base/startup_error.h"
#include "metrics/readiness.h"

namespace roseyd::metrics {
namespace {

// A blocking HTTP/1.0 GET; returns the whole response, status line included.
std::string Get(const std::string& address, const std::string& path) {
  const size_t colon = address.rfind(':');
  const std::string host = address.substr(0, colon);
  const int port = std::stoi(address.substr(colon + 1));
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    throw std::runtime_error("cannot connect to " + address);
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\n\r\n";
  std::string response;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) {
      response.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return response;
}

// "200" from "HTTP/1.1 200 OK\r\n...": civetweb answers errors in HTTP/1.0,
// prometheus-cpp's handler in HTTP/1.1.
std::string StatusCode(const std::string& response) {
  return response.rfind("HTTP/1.", 0) == 0 && response.size() > 12 ? response.substr(9, 3) : "";
}

// The message of the StartupError `make` throws, or "" (and a failure).
template <typename F>
std::string StartupErrorOf(F make) {
  try {
    make();
  } catch (const StartupError& e) {
    EXPECT_EQ(e.subsystem(), "metrics");
    return e.what();
  }
  ADD_FAILURE() << "no StartupError";
  return "";
}

TEST(MetricsServerTest, ServesRegistryAndProcessMetrics) {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& counter = prometheus::BuildCounter()
                      .Name("roseyd_test_events_total")
                      .Help("Events seen by the test.")
                      .Register(*registry)
                      .Add({});
  counter.Increment(3);
  MetricsServer server("127.0.0.1:0", registry);
  ASSERT_EQ(server.address().rfind("127.0.0.1:", 0), 0u) << server.address();
  EXPECT_NE(server.address(), "127.0.0.1:0");

  const std::string response = Get(server.address(), "/metrics");
  EXPECT_EQ(StatusCode(response), "200") << response.substr(0, 80);
  EXPECT_NE(response.find("\nroseyd_test_events_total 3"), std::string::npos) << response;
  EXPECT_NE(response.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
  EXPECT_NE(response.find("\nprocess_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(response.find("\nprocess_start_time_seconds "), std::string::npos);
}

TEST(MetricsServerTest, PortInUseThrowsNamingTheAddress) {
  auto registry = std::make_shared<prometheus::Registry>();
  MetricsServer first("127.0.0.1:0", registry);
  const std::string error =
      StartupErrorOf([&] { MetricsServer second(first.address(), registry); });
  EXPECT_NE(error.find("metrics: cannot listen on " + first.address() + ": Address already in use"),
            std::string::npos)
      << error;
}

TEST(MetricsServerTest, MalformedListenThrowsNamingTheValue) {
  auto registry = std::make_shared<prometheus::Registry>();
  for (const char* bad : {"9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536",
                          ":9464", "[::1:9464", "::1:9464"}) {
    const std::string error = StartupErrorOf([&] { MetricsServer server(bad, registry); });
    EXPECT_NE(error.find(std::string("'") + bad + "'"), std::string::npos) << error;
  }
}

// The body of an HTTP response.
std::string Body(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

// /ready beside /metrics, for health checks: 503 with the reason while
// roseyd starts, while NATS is not connected and once it stops; 200 between.
TEST(MetricsServerTest, ReadyAnswersFromTheReadiness) {
  auto registry = std::make_shared<prometheus::Registry>();
  Readiness readiness;
  MetricsServer server("127.0.0.1:0", registry, &readiness);
  std::string response = Get(server.address(), "/ready");
  EXPECT_EQ(StatusCode(response), "503") << response;
  EXPECT_EQ(Body(response), "not ready: starting\n");
  readiness.SetPhase(Readiness::Phase::kServing);
  response = Get(server.address(), "/ready");
  EXPECT_EQ(StatusCode(response), "503") << response;
  EXPECT_EQ(Body(response), "not ready: NATS is not connected (roseyd keeps trying)\n");
  readiness.SetNatsConnected(true);
  response = Get(server.address(), "/ready");
  EXPECT_EQ(StatusCode(response), "200") << response;
  EXPECT_EQ(Body(response), "ready\n");
  EXPECT_NE(response.find("Content-Type: text/plain"), std::string::npos) << response;
  EXPECT_EQ(StatusCode(Get(server.address(), "/healthz")), "200");
  EXPECT_EQ(StatusCode(Get(server.address(), "/metrics")), "200");  // still the exposer's
  readiness.SetPhase(Readiness::Phase::kStopping);
  EXPECT_EQ(Body(Get(server.address(), "/ready")), "not ready: shutting down\n");
}

TEST(MetricsServerTest, NoReadinessNoReadyPath) {
  MetricsServer server("127.0.0.1:0", std::make_shared<prometheus::Registry>());
  EXPECT_EQ(StatusCode(Get(server.address(), "/ready")), "404");
}

TEST(MetricsServerTest, UnknownPathIsNotFound) {
  MetricsServer server("127.0.0.1:0", std::make_shared<prometheus::Registry>());
  const std::string response = Get(server.address(), "/nothing");
  EXPECT_EQ(StatusCode(response), "404") << response;
}

// civetweb looks at its stop flag between 2 s polls of its sockets: without
// the server's wake-up, each of these stops would take 0 to 2 s (all three
// under 0.5 s by chance: 1 in 64).
TEST(MetricsServerTest, StopsWithoutWaitingForCivetwebsPollSlice) {
  auto registry = std::make_shared<prometheus::Registry>();
  for (int i = 0; i < 3; ++i) {
    auto server = std::make_unique<MetricsServer>("127.0.0.1:0", registry);
    Get(server->address(), "/metrics");
    const auto started = std::chrono::steady_clock::now();
    server.reset();
    const double ms = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - started).count();
    std::printf("[ figure ] metrics server stopped in %.1f ms\n", ms);
    EXPECT_LT(ms, 500) << "stop " << i;
  }
}

}  // namespace
}  // namespace roseyd::metrics
