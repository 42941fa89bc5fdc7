#include "support/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "bus/embedded_server.h"
#include "support/pg_client.h"

extern char** environ;

namespace roseyd::testing {
namespace {

namespace fs = std::filesystem;

std::string BinDir() {
  if (const char* dir = std::getenv("ROSEYD_PG_BINDIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  int newest = -1;
  std::string found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > newest && fs::exists(entry.path() / "bin" / "initdb")) {
      newest = version;
      found = (entry.path() / "bin").string();
    }
  }
  if (found.empty()) {
    throw std::runtime_error(
        "no PostgreSQL server in /usr/lib/postgresql/*/bin (scripts/setup.sh installs Debian's "
        "postgresql package) and ROSEYD_PG_BINDIR is not set");
  }
  return found;
}

std::string Tail(const std::string& path, size_t bytes = 3000) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > bytes ? "..." + all.substr(all.size() - bytes) : all;
}

// As root, initdb and pg_ctl run as `postgres`, which must own the folder.
void GiveToPostgres(const std::string& path) {
  if (geteuid() != 0) return;
  const passwd* user = getpwnam("postgres");
  if (user == nullptr) throw std::runtime_error("no 'postgres' user: is postgresql installed?");
  if (chown(path.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("chown " + path + ": " + std::strerror(errno));
  }
}

// Runs `args` in `dir`, as postgres when root, output appended to `log`;
// returns the exit status.
int Run(std::vector<std::string> args, const std::string& dir, const std::string& log) {
  if (geteuid() == 0) {
    const std::string runuser = fs::exists("/usr/sbin/runuser") ? "/usr/sbin/runuser" : "runuser";
    args.insert(args.begin(), {runuser, "-u", "postgres", "--"});
  }
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // A cwd postgres can read: pg_ctl and initdb look for themselves there.
  posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot run " + args[0] + ": " + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::atomic<int> database_counter{0};

}  // namespace

PostgresServer::PostgresServer(const PostgresOptions& options)
    : temp_(std::make_unique<TempDir>()), dir_(temp_->path()), options_(options) {
  Init();
  Start();
}

PostgresServer::PostgresServer(const std::string& dir, bool init, const PostgresOptions& options)
    : dir_(dir), options_(options), stop_at_end_(false) {
  if (init) {
    Init();
    Start();
    std::ofstream(dir_ + "/port") << port_ << "\n";
    return;
  }
  std::ifstream in(dir_ + "/port");
  if (!(in >> port_)) throw std::runtime_error("no running test cluster in " + dir_);
  running_ = true;
}

PostgresServer::~PostgresServer() {
  if (!stop_at_end_ || !running_) return;
  try {
    Resume();
    Stop();
  } catch (...) {  // never throw from a destructor
  }
}

PostgresServer& PostgresServer::Shared() {
  static const std::unique_ptr<PostgresServer> shared = [] {
    const char* dir = std::getenv("ROSEYD_TEST_POSTGRES_DIR");
    if (dir != nullptr && *dir != '\0' && fs::exists(std::string(dir) + "/port")) {
      return std::unique_ptr<PostgresServer>(new PostgresServer(dir, false, PostgresOptions{}));
    }
    return std::make_unique<PostgresServer>();
  }();
  return *shared;
}

void PostgresServer::StartDetached(const std::string& dir, const PostgresOptions& options) {
  StopDetached(dir);  // what an interrupted run left
  fs::create_directories(dir);
  PostgresServer server(dir, true, options);
}

void PostgresServer::StopDetached(const std::string& dir) {
  if (fs::exists(dir + "/data/postmaster.pid")) {
    (void)Run({BinDir() + "/pg_ctl", "-D", dir + "/data", "-m", "immediate", "-w", "stop"}, dir,
              dir + "/ctl.log");
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void PostgresServer::Init() {
  GiveToPostgres(dir_);
  const std::string log = dir_ + "/initdb.log";
  // C.UTF-8: text compares by code point, as SQLite's BINARY does; a test
  // that needs another collation asks for it per database.
  const int rc = Run({BinDir() + "/initdb", "-D", DataDir(), "-A", "trust", "-U", "postgres",
                      "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"},
                     dir_, log);
  if (rc != 0) throw std::runtime_error("initdb failed (" + std::to_string(rc) + "):\n" + Tail(log));
}

void PostgresServer::Start() {
  const std::string log = dir_ + "/server.log";
  for (int attempt = 0;; ++attempt) {
    // Chosen anew each time: another test may have taken the last one.
    if (port_ == 0 || attempt > 0) port_ = bus::FindFreePort();
    std::string options = "-p " + std::to_string(port_) + " -k " + dir_ +
                          " -c listen_addresses=127.0.0.1";
    for (const std::string& setting : options_.settings) options += " -c " + setting;
    const int rc = Run({BinDir() + "/pg_ctl", "-D", DataDir(), "-l", log, "-w", "-t", "60", "-o",
                        options, "start"},
                       dir_, dir_ + "/ctl.log");
    if (rc == 0) {
      running_ = true;
      return;
    }
    const bool port_taken = Tail(log).find("could not bind") != std::string::npos;
    if (!port_taken || attempt == 3) {
      throw std::runtime_error("pg_ctl start failed (" + std::to_string(rc) + "):\n" + Tail(log));
    }
  }
}

void PostgresServer::Stop() {
  Resume();
  if (!running_) return;
  running_ = false;
  const int rc =
      Run({BinDir() + "/pg_ctl", "-D", DataDir(), "-m", "fast", "-w", "-t", "60", "stop"}, dir_,
          dir_ + "/ctl.log");
  if (rc != 0) throw std::runtime_error("pg_ctl stop failed:\n" + Tail(dir_ + "/ctl.log"));
}

namespace {

// The postmaster (first line of postmaster.pid) and its children.
std::vector<pid_t> ServerProcesses(const std::string& data_dir) {
  std::ifstream pid_file(data_dir + "/postmaster.pid");
  pid_t postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) {
    throw std::runtime_error("no postmaster.pid in " + data_dir);
  }
  std::vector<pid_t> pids = {postmaster};
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: comm may hold spaces, so read after its ')'.
    std::istringstream rest(line.substr(line.rfind(')') + 1));
    std::string state;
    pid_t parent = 0;
    if (rest >> state >> parent && parent == postmaster) pids.push_back(std::stoi(name));
  }
  return pids;
}

}  // namespace

void PostgresServer::Pause() {
  for (const pid_t pid : ServerProcesses(DataDir())) kill(pid, SIGSTOP);
  paused_ = true;
}

void PostgresServer::Resume() {
  if (!paused_) return;
  for (const pid_t pid : ServerProcesses(DataDir())) kill(pid, SIGCONT);
  paused_ = false;
}

std::string PostgresServer::Log() const { return Tail(dir_ + "/server.log", 100000); }

std::string PostgresServer::Url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::CreateDatabase(const std::string& options) {
  const std::string name =
      "roseyd_" + std::to_string(getpid()) + "_" + std::to_string(++database_counter);
  PgClient admin(Url("postgres"));
  const std::string error = admin.Exec("CREATE DATABASE " + name + " " + options);
  if (!error.empty()) throw std::runtime_error("CREATE DATABASE " + name + ": " + error);
  return name;
}

void PostgresServer::DropDatabase(const std::string& name) {
  PgClient admin(Url("postgres"));
  (void)admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

TestDatabase::TestDatabase(PostgresServer* server, const std::string& options)
    : server_(server), name_(server->CreateDatabase(options)), url_(server->Url(name_)) {}

TestDatabase::~TestDatabase() {
  try {
    server_->DropDatabase(name_);
  } catch (...) {  // the server may be down: its folder goes anyway
  }
}

}  // namespace roseyd::testing
