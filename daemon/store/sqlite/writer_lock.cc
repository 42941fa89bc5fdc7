#include "store/sqlite/writer_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "base/startup_error.h"

namespace roseyd::store {

namespace {

// The PID the holder wrote, or "" if unreadable.
std::string HolderPid(int fd) {
  char buffer[32] = {};
  const ssize_t n = pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) return "";
  std::string pid(buffer, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

}  // namespace

WriterLock::WriterLock(const std::string& database_path) {
  const std::string path = database_path + ".lock";
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    spdlog::debug("store: no writer lock for {}: cannot create {}: {}", database_path, path,
                  std::strerror(errno));
    return;
  }
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string pid = HolderPid(fd_);
    close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw StartupError("store", "the SQLite file '" + database_path +
                                      "' is in use by another roseyd (" +
                                      (pid.empty() ? std::string("its PID unknown")
                                                   : "pid " + pid) +
                                      ", holding " + path +
                                      "); one roseyd writes a SQLite file: stop that one, or "
                                      "give this one another store.path");
    }
    throw StartupError("store", "cannot lock " + path + ": " + std::strerror(error));
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    spdlog::warn("store: could not write this process's PID into {}: {}", path,
                 std::strerror(errno));
  }
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) close(fd_);  // releases the lock; the file stays, harmless
}

}  // namespace roseyd::store
