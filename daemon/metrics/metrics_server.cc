#include "metrics/metrics_server.h"

#include <CivetServer.h>
#include <civetweb.h>
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
#include <map>
#include <string_view>
#include <thread>

#include "base/mutex.h"
#include "base/startup_error.h"
#include "metrics/process_collector.h"
#include "metrics/readiness.h"

namespace roseyd::metrics {
namespace {

// The Readiness each server answers /ready from, by the port it listens
// on. A process-wide table because civetweb's begin_request callback gets
// no closure of its own (the exposer's CivetServer keeps mg_start's user
// data for itself); the request says which listening port it came to.
// Looked up and used under the lock, so a server that unregisters (in its
// destructor, before its Readiness may go) is never called after.
struct ReadinessTable {
  Mutex mu;
  std::map<int, const Readiness*> by_port GUARDED_BY(mu);
};

ReadinessTable& Table() {
  static ReadinessTable* table = new ReadinessTable;  // never destroyed: used at exit
  return *table;
}

// civetweb calls this (on a server given a Readiness) for every request
// before its own handlers: answers /ready and /healthz, leaves the rest
// (/metrics) to the exposer. Returns the HTTP status sent, or 0.
int BeginRequest(mg_connection* conn) noexcept {
  const mg_request_info* info = mg_get_request_info(conn);
  if (info == nullptr || info->local_uri == nullptr) return 0;
  const std::string_view uri = info->local_uri;
  if (uri != "/ready" && uri != "/healthz") return 0;
  bool ready = false;
  std::string body;
  try {  // everything that allocates, before anything is written
    std::string reason;
    {
      ReadinessTable& table = Table();
      MutexLock lock(&table.mu);
      // Only a server with a Readiness calls this; not in the table yet, it
      // is still being constructed.
      const auto it = table.by_port.find(info->server_port);
      reason = it == table.by_port.end() ? "starting" : it->second->NotReadyReason();
    }
    ready = reason.empty();
    body = ready ? "ready\n" : "not ready: " + reason + "\n";
  } catch (...) {
    return 0;
  }
  mg_printf(conn,
            "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: %zu\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
            ready ? "200 OK" : "503 Service Unavailable", body.size());
  if (info->request_method == nullptr || std::string_view(info->request_method) != "HEAD") {
    mg_write(conn, body.data(), body.size());
  }
  return ready ? 200 : 503;
}

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
                             const std::shared_ptr<prometheus::Registry>& registry,
                             const Readiness* readiness,
                             const std::vector<std::shared_ptr<prometheus::Collectable>>& scraped)
    : process_collector_(std::make_shared<ProcessCollector>()) {
  const HostPort where = ParseListen(listen);
  try {
    CivetCallbacks callbacks;  // copied by the server
    if (readiness != nullptr) callbacks.begin_request = BeginRequest;
    exposer_ = std::make_unique<prometheus::Exposer>(where.host + ":" + std::to_string(where.port),
                                                     2, &callbacks);
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
  for (const auto& collectable : scraped) exposer_->RegisterCollectable(collectable);
  // civetweb reports the port it bound, which differs from the one asked for
  // only when that was 0.
  const std::vector<int> ports = exposer_->GetListeningPorts();
  port_ = ports.empty() ? where.port : ports.front();
  address_ = where.host + ":" + std::to_string(port_);
  if (readiness != nullptr) {
    ReadinessTable& table = Table();
    MutexLock lock(&table.mu);
    table.by_port[port_] = readiness;
  }
}

// civetweb's accept loop polls in 2 s slices and looks at its stop flag only
// between them, so stopping it took up to 2 s. A connection ends the slice:
// keep making one until the exposer (and civetweb) has stopped.
MetricsServer::~MetricsServer() {
  {
    ReadinessTable& table = Table();
    MutexLock lock(&table.mu);
    table.by_port.erase(port_);
  }
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
