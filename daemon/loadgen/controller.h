#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "base/thread_annotations.h"
#include "bus/connection.h"
#include "bus/subscription.h"
#include "config/config.h"
#include "loadgen/runner.h"

namespace roseyd::loadgen {

// One benchmark run at a time, in the background of a running roseyd: the
// run at start-up (bench.run_at_start) and runs asked for over NATS, each
// against *target (the load generator's own service instance, never the
// bot's), each report in a folder of its own under bench.out_dir with a
// `latest` link, compared with the previous run (informational), the
// oldest folders beyond bench.keep_runs removed.
//
// Control subjects, request/reply, JSON, every request carrying "token";
// fields are checked by ParseControlRequest (control_request.h), and any
// error is {"error":"..."} naming the field:
//   <prefix>.list    {"suite":"quick"}
//                    -> {"scenarios":[...],"suites":{...},"sizes_of_suite":"quick",
//                        "details":{"<name>":{"description":"...","size":"..."}}}
//   <prefix>.start   {"suite":"quick"} or {"scenarios":["burst",...]}, "rate", "duration_s"
//                    -> {"started":true,"run":N}
//   <prefix>.status  -> {"running":bool,"run":N,"scenario":"...","scenario_index":i,
//                        "scenarios_total":n,"scenario_elapsed_s":s,"run_elapsed_s":s,
//                        "sent":n,"persisted":n,"done":["name: VERDICT",...],
//                        "last_run":N,"exit_status":0|1|2|null,"cancelled":bool,
//                        "report":"<path of the last report>"}
//   <prefix>.cancel  -> {"cancelled":bool}
// When a run ends its summary is published on <prefix>.results.
//
// Thread: thread-safe. *connection and *target must outlive it.
class BenchController {
 public:
  BenchController(const Config& config, BenchTarget* target, LoadgenMetrics* metrics,
                  bus::Connection* connection);
  ~BenchController();  // cancels a run and joins it

  // Subscribes the control subjects when bench.control.enabled. Throws StartupError.
  void StartControl();

  // Starts a run in the background; false with *why when one is running.
  bool Start(const RunRequest& request, std::string* why) EXCLUDES(mu_);
  bool Running() const EXCLUDES(mu_);
  void Cancel() EXCLUDES(mu_);
  // Blocks until the current run (if any) ends.
  void Wait() EXCLUDES(mu_);

  // Handles one control request (public for tests); returns the reply.
  std::string HandleControl(const std::string& verb, std::string_view payload) EXCLUDES(mu_);

 private:
  // The body of the background thread.
  void RunInBackground(const RunRequest& request, uint64_t run) EXCLUDES(mu_);

  // Constant after construction.
  const Config& config_;
  BenchTarget* const target_;
  LoadgenMetrics* const metrics_;
  bus::Connection* const connection_;
  const ScenarioCatalog catalog_;

  mutable Mutex mu_;
  // A new Runner per run; the background thread uses the one it started with.
  std::unique_ptr<Runner> runner_ GUARDED_BY(mu_);
  std::thread thread_ GUARDED_BY(mu_);
  bool running_ GUARDED_BY(mu_) = false;
  uint64_t runs_ GUARDED_BY(mu_) = 0;
  std::vector<std::string> done_ GUARDED_BY(mu_);  // "name: VERDICT" of the current or last run
  std::string suite_ GUARDED_BY(mu_);              // of the current or last run
  // The last finished run: its number, exit status (-1 when it failed to
  // produce a report), whether it was cancelled, and its report.
  uint64_t last_run_ GUARDED_BY(mu_) = 0;
  int last_exit_ GUARDED_BY(mu_) = -1;
  bool last_cancelled_ GUARDED_BY(mu_) = false;
  std::string last_report_ GUARDED_BY(mu_);

  // Confined to the owner's thread (StartControl, the destructor).
  std::vector<std::unique_ptr<bus::Subscription>> subscriptions_;
};

}  // namespace roseyd::loadgen
