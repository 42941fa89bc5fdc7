#include "bus/embedded_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "base/mutex.h"
#include "base/startup_error.h"

namespace roseyd::bus {

namespace {

constexpr std::chrono::seconds kStopGrace{5};

Mutex ports_mu;
std::unordered_set<int> ports_handed_out GUARDED_BY(ports_mu);  // by FindFreePort

// "localhost" and friends to a numeric IPv4 address for bind/connect.
bool ResolveV4(const std::string& host, int port, sockaddr_in* out) {
  std::memset(out, 0, sizeof(*out));
  out->sin_family = AF_INET;
  out->sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &out->sin_addr) == 1) return true;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &result) != 0 || result == nullptr) return false;
  out->sin_addr = reinterpret_cast<sockaddr_in*>(result->ai_addr)->sin_addr;
  freeaddrinfo(result);
  return true;
}

// The path of `binary`: itself if it has a '/', else the first match on PATH.
std::string FindBinary(const std::string& binary) {
  if (binary.find('/') != std::string::npos) {
    return access(binary.c_str(), X_OK) == 0 ? binary : std::string();
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t end = dirs.find(':', start);
    const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + binary;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

bool PortFree(const std::string& host, int port) {
  sockaddr_in addr;
  if (!ResolveV4(host, port, &addr)) return false;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // as nats-server does
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string DescribeExit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

}  // namespace

int FindFreePort(const std::string& host) {
  // A port is free only until someone binds it: two calls before either port is taken
  // can get the same one from the kernel (seen in CI: a test's metrics port was its NATS
  // port). So this process never hands out a port twice.
  sockaddr_in addr;
  if (!ResolveV4(host, 0, &addr)) throw StartupError("bus", "cannot resolve host " + host);
  for (int attempt = 0; attempt < 64; ++attempt) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw StartupError("bus", std::string("socket: ") + std::strerror(errno), errno);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      const int err = errno;
      close(fd);
      throw StartupError("bus", "no free port on " + host + ": " + std::strerror(err), err);
    }
    close(fd);
    const int port = ntohs(addr.sin_port);
    MutexLock lock(&ports_mu);
    if (ports_handed_out.insert(port).second) return port;
  }
  throw StartupError("bus", "no free port on " + host + " that this process has not used");
}

bool PortAcceptsConnections(const std::string& host, int port) {
  sockaddr_in addr;
  if (!ResolveV4(host, port, &addr)) return false;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

EmbeddedServer::EmbeddedServer(EmbeddedServerOptions options) : options_(std::move(options)) {
  const std::string binary = FindBinary(options_.binary);
  if (binary.empty()) {
    throw StartupError("bus", "cannot find the nats-server binary '" + options_.binary +
                                  "' (apt-get install nats-server, or set "
                                  "nats.embedded.binary, or point nats.url at a running server)");
  }
  port_ = options_.port == 0 ? FindFreePort(options_.host) : options_.port;
  if (PortAcceptsConnections(options_.host, port_) || !PortFree(options_.host, port_)) {
    throw StartupError("bus", "port " + std::to_string(port_) + " on " + options_.host +
                                  " is already in use (another nats-server? set "
                                  "nats.embedded.port or nats.url)");
  }
  std::vector<std::string> args = {binary, "-a", options_.host, "-p", std::to_string(port_)};
  if (options_.jetstream) {
    std::error_code ec;
    std::filesystem::create_directories(options_.store_dir, ec);
    if (ec) {
      throw StartupError("bus", "cannot create the JetStream store '" + options_.store_dir +
                                    "': " + ec.message());
    }
    args.insert(args.end(), {"-js", "-sd", options_.store_dir});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = options_.log_file.empty() ? "/dev/null" : options_.log_file;

  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw StartupError("bus", std::string("fork: ") + std::strerror(errno), errno);
  if (pid_ == 0) {
    // Child: only async-signal-safe calls until exec.
    // Its own process group: a Ctrl-C or a group-wide SIGTERM meant for roseyd
    // must not stop the server while roseyd is still draining through it.
    // roseyd stops it last; PDEATHSIG covers a roseyd that dies abruptly.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // roseyd blocks SIGTERM; the server must not
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    const int in = open("/dev/null", O_RDONLY);
    if (in >= 0) dup2(in, 0);
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    execv(argv[0], argv.data());
    _exit(127);
  }

  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (!PortAcceptsConnections(options_.host, port_)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw StartupError("bus", "nats-server " + DescribeExit(status) + " before accepting "
                                "connections on " + options_.host + ":" + std::to_string(port_) +
                                (options_.log_file.empty() ? "" : "; see " + options_.log_file));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      Kill();
      throw StartupError("bus", "nats-server was not ready on " + options_.host + ":" +
                                    std::to_string(port_) + " within " +
                                    std::to_string(options_.ready_timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

EmbeddedServer::~EmbeddedServer() { Stop(); }

std::string EmbeddedServer::url() const {
  return "nats://" + options_.host + ":" + std::to_string(port_);
}

void EmbeddedServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  spdlog::warn("nats-server (pid {}) ignored SIGTERM for {} s; killing it", pid_, kStopGrace.count());
  Kill();
}

void EmbeddedServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace roseyd::bus
