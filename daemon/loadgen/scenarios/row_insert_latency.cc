// Rosey's row insert target, p95 under 10 ms at 500 ops/s or more:
// rosey.db.row.<plugin>.insert of one row each, open loop from one bot;
// latency from each intended send to its reply (after the row's commit).
// The rows are deleted afterwards, so runs leave nothing behind.

#include <set>
#include <string>

#include "loadgen/scenarios/kinds.h"
#include "loadgen/scenarios/storage_load.h"

namespace roseyd::loadgen {

namespace {

// The id in an insert reply ({"success": true, "id": 12, "created": true}).
std::string IdOf(const std::string& reply) {
  const size_t at = reply.find(R"("id": )");
  if (at == std::string::npos) return "";
  const size_t begin = at + 6;
  return reply.substr(begin, reply.find_first_not_of("0123456789", begin) - begin);
}

}  // namespace

void RunRowInsertLatency(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  Bots bots = ctx->StartBots(1, 1);
  bus::Connection* connection = bots.connections[0].get();
  const std::string row = ctx->Subject("row.") + kBenchPlugin;
  SetupRequest(connection, row + ".schema.register",
               R"({"table":"insert_latency","schema":{"fields":[)"
               R"({"name":"text","type":"string","required":true},)"
               R"({"name":"n","type":"integer"},{"name":"at","type":"datetime"}]}})",
               "registering the insert_latency table");
  const ScenarioClock::time_point start = ScenarioClock::now() + kLead;
  const std::set<pid_t> threads_before = ProcessUsage::Threads();
  RequestStream stream(
      connection, count, start, IntervalFor(spec.rate),
      [&](uint64_t i) {
        return StreamRequest{row + ".insert", R"({"table":"insert_latency","data":{"text":"row )" +
                                                  std::to_string(i) + R"(","n":)" +
                                                  std::to_string(i) +
                                                  R"(,"at":"2025-01-02T03:04:05"}})"};
      },
      StorageReplyFailed, /*live=*/nullptr, /*keep_replies=*/true);
  RunStorageLoad(ctx, &bots, threads_before, &stream, count, spec.rate, start);
  // Not measured: deletes without replies, then one request that waits for them.
  for (uint64_t i = 0; i < count; ++i) {
    const std::string id = IdOf(stream.Reply(i));
    if (id.empty()) continue;
    (void)connection->Publish(row + ".delete", R"({"table":"insert_latency","id":)" + id + "}");
  }
  SetupRequest(connection, row + ".search", R"({"table":"insert_latency","limit":1})",
               "waiting for the clean-up");
}

}  // namespace roseyd::loadgen
