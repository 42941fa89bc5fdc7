// Rosey's KV target, p99 under 25 ms at 1,000 ops/s: kv.set and kv.get
// alternate on 100 keys of one plugin namespace, open loop from one bot;
// latency from each intended send to its reply (a set's reply leaves after
// its commit).

#include <set>

#include "loadgen/scenarios/kinds.h"
#include "loadgen/scenarios/storage_load.h"

namespace roseyd::loadgen {

void RunKvLatency(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  Bots bots = ctx->StartBots(1, 1);
  const std::string set = ctx->Subject("kv.set");
  const std::string get = ctx->Subject("kv.get");
  const std::string plugin = std::string(R"({"plugin_name":")") + kBenchPlugin + R"(","key":"latency-)";
  const ScenarioClock::time_point start = ScenarioClock::now() + kLead;
  const std::set<pid_t> threads_before = ProcessUsage::Threads();
  RequestStream stream(
      bots.connections[0].get(), count, start, IntervalFor(spec.rate),
      [&](uint64_t i) {
        const std::string key = plugin + std::to_string(i / 2 % 100) + "\"";
        if (i % 2 == 0) {
          return StreamRequest{set, key + R"(,"value":{"n":)" + std::to_string(i) + "}}"};
        }
        return StreamRequest{get, key + "}"};
      },
      StorageReplyFailed);
  RunStorageLoad(ctx, &bots, threads_before, &stream, count, spec.rate, start);
}

}  // namespace roseyd::loadgen
