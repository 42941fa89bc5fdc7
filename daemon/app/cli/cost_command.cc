// roseyd cost: one fixed workload of the service's code, as the cost
// scenarios count its instructions under valgrind.

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "app/cli/commands.h"
#include "app/logging.h"
#include "cost/callgrind_marks.h"
#include "cost/cost_workload.h"

namespace roseyd::cli {

namespace {

constexpr char kHelp[] = R"(Usage: roseyd cost --workload NAME [--count N] (--db FILE | --store-url URL)
                   [--json FILE]

Runs one fixed workload of roseyd's own code in this process, without NATS:
  events      the classic events in a bot's proportions, decoded and committed
              in transactions of 100 (instructions per event)
  queries     the four classic queries in turn (per request)
  kv_get      kv.get of 100 keys in turn (per request)
  row_search  row searches over 10,000 rows, as row_search_latency (per request)
The store is a new SQLite file (--db, which must not exist) or a schema of
the workload's own in a PostgreSQL database (--store-url; dropped after).

Under valgrind's callgrind (--instr-atstart=no) the measured part is marked
with client requests, so that its instructions alone are counted: this is
what the cost scenarios of `roseyd bench` do (`roseyd bench --suite cost`),
and how to read the figures is in docs/BENCHMARKS.md. Run directly, it only
checks that the workload works.

Options:
  --workload NAME    events, queries, kv_get or row_search
  --count N          events or requests measured (default 1000)
  --db FILE          a SQLite file to create
  --store-url URL    a PostgreSQL database (postgresql://...)
  --json FILE        write the outcome there (default: stdout)
  --log-level LEVEL  default warn
  -h, --help         this text

Exit status: 0 the workload ran and every request succeeded, 1 it failed,
2 usage error.
)";

int CostMain(const std::vector<std::string>& args) {
  cost::WorkloadOptions options;
  std::string json_path;
  std::string log_level = "warn";
  bool workload_given = false;
  ArgReader reader(kCostCommand, args);
  while (reader.Next()) {
    const std::string& arg = reader.arg();
    if (arg == "--workload") {
      const std::string name = reader.Value();
      const auto workload = cost::ParseWorkload(name);
      if (!workload) reader.Fail("--workload: no workload named '" + name + "'");
      options.workload = *workload;
      workload_given = true;
    } else if (arg == "--count") {
      const std::string v = reader.Value();
      char* end = nullptr;
      options.count = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || options.count <= 0) {
        reader.Fail("--count wants a positive number, got '" + v + "'");
      }
    } else if (arg == "--db") {
      options.sqlite_path = reader.Value();
    } else if (arg == "--store-url") {
      options.postgres_url = reader.Value();
    } else if (arg == "--json") {
      json_path = reader.Value();
    } else if (arg == "--log-level") {
      log_level = reader.Value();
    } else {
      reader.Unknown();
    }
  }
  if (!workload_given) reader.Fail("--workload is required");
  if (options.sqlite_path.empty() == options.postgres_url.empty()) {
    reader.Fail("give one store: --db FILE or --store-url URL");
  }
  SetUpLogging(log_level, "text");

  cost::CallgrindMarks marks;
  const cost::WorkloadResult result = cost::RunWorkload(options, &marks);
  const nlohmann::json out = {{"workload", cost::WorkloadName(options.workload)},
                              {"measured", result.measured},
                              {"failed", result.failed},
                              {"transactions", result.transactions},
                              {"first_failure", result.first_failure},
                              {"measured_seconds", result.measured_seconds},
                              {"under_valgrind", cost::CallgrindMarks::UnderValgrind()}};
  if (json_path.empty()) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::ofstream file(json_path);
    file << out.dump(2) << "\n";
    if (!file) {
      spdlog::error("cost: cannot write {}", json_path);
      return kExitFailure;
    }
  }
  if (result.failed > 0) {
    spdlog::error("cost: {} of the workload's {} failed, first: {}", result.failed,
                  result.measured, result.first_failure);
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

const Command kCostCommand{"cost", "run one fixed workload whose instructions the cost scenarios count",
                           kHelp, CostMain};

}  // namespace roseyd::cli
