#include "loadgen/environment.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "base/build_info.h"
#include "store/bench_store.h"

namespace roseyd::loadgen {

namespace {

std::string FirstLine(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "unknown";
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n\r:");
  const auto e = s.find_last_not_of(" \t\n\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string CommandOutput(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    std::array<char, 256> buf{};
    while (fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
    pclose(p);
  }
  out = Trim(out);
  return out.empty() ? "unknown" : out;
}

}  // namespace

report::Environment DescribeEnvironment(const std::string& config_yaml) {
  report::Environment e;
  e.os = Unquote(FirstLine("/etc/os-release", "PRETTY_NAME="));
  utsname u{};
  e.kernel = uname(&u) == 0 ? u.release : "unknown";
  e.cpu_model = Trim(FirstLine("/proc/cpuinfo", "model name"));
  e.cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  e.ram_bytes = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const BuildInfo& info = GetBuildInfo();
  e.compiler = std::string(info.compiler);
  e.roseyd_version = std::string(info.version);
  e.roseyd_revision = std::string(info.revision);
  e.nats_server_version = CommandOutput("nats-server --version 2>/dev/null");
  e.sqlite_version = store::SqliteVersion();
  e.config_yaml = config_yaml;
  return e;
}

}  // namespace roseyd::loadgen
