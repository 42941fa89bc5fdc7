// A fixed workload of the service's code, its instructions counted under
// valgrind: a cost figure that does not move with what else the machine
// runs (docs/BENCHMARKS.md, "Cost figures").

#include <string>

#include <spdlog/spdlog.h>

#include "cost/workload.h"
#include "loadgen/instruction_count.h"
#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

void RunCost(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  CostRun run;
  run.workload = spec.workload;
  run.count = spec.events;
  if (spec.store == "postgres") {
    run.postgres_url = ctx->target()->BenchStoreUrl();
    if (run.postgres_url.empty()) {
      throw Inapplicable("it needs bench.store_url, a PostgreSQL database where it works in a "
                         "schema of its own (dropped after)");
    }
  }
  if (FindValgrind().empty()) {
    throw Inapplicable("valgrind is not installed (apt install valgrind)");
  }
  const InstructionCount count = CountInstructions(run, ctx->cancelled());
  const auto workload = cost::ParseWorkload(spec.workload);
  ctx->AddFigure(std::string(cost::InstructionMetric(*workload)),
                 count.instructions / static_cast<double>(count.measured));
  report::ScenarioResult& result = ctx->result();
  result.extra["instructions"] = count.instructions;
  result.extra["measured"] = static_cast<double>(count.measured);
  if (count.transactions > 0) result.extra["transactions"] = static_cast<double>(count.transactions);
  result.extra["valgrind_seconds"] = count.valgrind_seconds;
  ctx->AddNote("instructions of roseyd's own code in one process (decode, writer, store" +
               std::string(spec.store == "postgres" ? " client; the PostgreSQL server's work is not counted"
                                                    : "") +
               "), counted by valgrind's callgrind over " + std::to_string(count.measured) +
               (*workload == cost::Workload::kEvents ? " events" : " requests") +
               "; NATS is not in it");
  spdlog::info("cost: {} on {}: {:.0f} instructions each ({:.1f} s under valgrind)", spec.workload,
               spec.store, count.instructions / static_cast<double>(count.measured),
               count.valgrind_seconds);
}

}  // namespace roseyd::loadgen
