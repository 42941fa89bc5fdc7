#pragma once

#include <cstdint>
#include <string>

#include "cost/workload.h"

namespace roseyd::cost {

// The fixed workloads whose instructions the cost scenarios count run the
// service's own code in this process (decode, event writer, store, the
// request families), without NATS. What each measures:
//   events      the classic events in a bot's proportions (36 of 50 chat
//               lines, joins, leaves, high-water marks, PM commands, status,
//               user counts, mark_sent), decoded and committed in batches of
//               kBatchEvents: instructions per event
//   queries     the four classic queries in turn over 100 users and 2,000
//               chat lines, decoded, read and answered: per request
//   kv_get      kv.get of 100 keys in turn: per request
//   row_search  row.<plugin>.search (a range filter, a sort, limit 20) over
//               10,000 rows, as the row_search_latency scenario: per request
// Chat arrives at 10 lines per second of the workload's own clock, and
// every run makes the same rows with the same times.

// Events committed per transaction in the events workload: a fixed batch,
// so that every run commits the same transactions.
inline constexpr int kBatchEvents = 100;

struct WorkloadOptions {
  Workload workload = Workload::kEvents;
  int64_t count = 1000;  // events or requests in the measured part
  // The store: a new SQLite file at sqlite_path, or, when postgres_url is
  // set, a schema of the workload's own in that database (made first,
  // dropped after).
  std::string sqlite_path;
  std::string postgres_url;
};

// Where the measured part begins and ends, for an instruction counter that
// watches the process from outside (CallgrindMarks). Setup (schema, users,
// prefilled rows) runs outside it.
class PhaseMarks {
 public:
  virtual ~PhaseMarks() = default;
  virtual void Begin() = 0;
  // `label` names what was measured and how many: "events:20000".
  virtual void End(const std::string& label) = 0;
};

struct WorkloadResult {
  int64_t measured = 0;  // events or requests in the measured part
  int64_t failed = 0;    // replies that did not say success, events not committed
  std::string first_failure;
  int64_t transactions = 0;  // the writer's commits in the measured part
  double measured_seconds = 0;  // wall time of the measured part (not a figure: a check)
};

// Runs `options.workload`. Throws std::runtime_error (or StartupError) when
// the store cannot be opened or the setup fails.
WorkloadResult RunWorkload(const WorkloadOptions& options, PhaseMarks* marks);

}  // namespace roseyd::cost
