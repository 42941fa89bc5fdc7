#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace roseyd::bench {

// The roseyd binary a benchmark measures, as a child process: `binary` run
// with `args`, its log (stderr) in `log`. Start returns once the log says
// " ready in " and throws std::runtime_error, naming the log, if it does not
// within `ready_timeout`. Stop (also the destructor) sends SIGTERM and
// waits for the exit.
//
// Thread: confined to its owner.
class RoseydChild {
 public:
  RoseydChild() = default;
  ~RoseydChild() { Stop(); }

  RoseydChild(const RoseydChild&) = delete;
  RoseydChild& operator=(const RoseydChild&) = delete;

  void Start(const std::string& binary, const std::vector<std::string>& args,
             const std::string& log, std::chrono::milliseconds ready_timeout);
  void Stop();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// The exact p-th percentile (0-100) of `sorted` (ascending), or 0 if empty.
double Percentile(const std::vector<double>& sorted, double p);

// The first column of the first row of `sql` on the SQLite file at `path`,
// opened read-only, or -1.
int64_t QuerySqliteInt(const std::string& path, const std::string& sql);

}  // namespace roseyd::bench
