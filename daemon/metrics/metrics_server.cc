#include "metrics/metrics_server.h"

#include <netdb.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <exception>
#include <string_view>
#include <thread>

#include "base/startup_error.h"
#include "metrics/process_collector.h"

namespace roseyd::metrics {
namespace {

struct HostPort {
  std::string host;  // IPv6 keeps its brackets: "[::1]"
  int port = 0;
};

// "127.0.0.1:9464", "0.0.0.0:0" or "[::1]:9464".
HostPort ParseListen(const std::string& listen) {
  const auto fail = [&] {
    throw StartupError("metrics", "cannot listen on '" + listen +
                                      "': expected host:port, e.g. 127.0.0.1:9464 or [::1]:9464");
  };
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) fail();
  HostPort out;
  out.host = listen.substr(0, colon);
  const bool bracketed = out.host.front() == '[';
  if (bracketed ? out.host.size() < 3 || out.host.back() != ']'
                : out.host.find_first_of(":[] ") != std::string::npos) {
    fail();
  }
  const std::string_view port(listen.data() + colon + 1, listen.size() - colon - 1);
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), out.port);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || out.port < 0 ||
      out.port > 65535) {
    fail();
  }
  return out;
}

// Why binding host:port fails, from a bind of our own: civetweb only says
// "Possible problem binding to port". "" when our bind works.
std::string BindProblem(const HostPort& where) {
  std::string host = where.host;
  if (host.front() == '[') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(host.c_str(), std::to_string(where.port).c_str(), &hints, &found);
      rc != 0) {
    return gai_strerror(rc);
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // as civetweb does
  std::string problem;
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 1) != 0) {
    problem = std::strerror(errno);
  }
  close(fd);
  return problem;
}

// Connects to host:port and hangs up at once; the host of a wildcard
// address is loopback.
void Poke(const std::string& address) {
  const size_t colon = address.rfind(':');
  std::string host = address.substr(0, colon);
  if (host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), address.substr(colon + 1).c_str(), &hints, &found) != 0) return;
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  (void)connect(fd, found->ai_addr, found->ai_addrlen);
  close(fd);
}

}  // namespace

MetricsServer::MetricsServer(const std::string& listen,
                             const std::shared_ptr<prometheus::Registry>& registry)
    : process_collector_(std::make_shared<ProcessCollector>()) {
  const HostPort where = ParseListen(listen);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(where.host + ":" + std::to_string(where.port));
  } catch (const std::exception& e) {
    std::string problem = BindProblem(where);
    if (problem.empty()) {
      problem = e.what();
      // Debian's civetweb is built without IPv6 support.
      if (where.host.front() == '[') problem += " (is civetweb built with IPv6?)";
    }
    throw StartupError("metrics", "cannot listen on " + listen + ": " + problem);
  }
  exposer_->RegisterCollectable(registry);
  exposer_->RegisterCollectable(process_collector_);
  // civetweb reports the port it bound, which differs from the one asked for
  // only when that was 0.
  const std::vector<int> ports = exposer_->GetListeningPorts();
  address_ = where.host + ":" + std::to_string(ports.empty() ? where.port : ports.front());
}

// civetweb's accept loop polls in 2 s slices and looks at its stop flag only
// between them, so stopping it took up to 2 s. A connection ends the slice:
// keep making one until the exposer (and civetweb) has stopped.
MetricsServer::~MetricsServer() {
  std::atomic<bool> stopped{false};
  std::thread poker([&] {
    while (!stopped.load()) {
      Poke(address_);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  exposer_.reset();
  stopped = true;
  poker.join();
}

}  // namespace roseyd::metrics
