// Rosey's row search target, p95 under 20 ms at 500 ops/s or more, over a
// table of 10,000 rows: searches with a range filter, a sort and a limit,
// open loop from one bot; latency from each intended send to its reply.
// The table is filled once, to 10,000 rows, and reused by later runs.

#include <set>
#include <string>

#include "loadgen/payloads.h"
#include "loadgen/scenarios/kinds.h"
#include "loadgen/scenarios/storage_load.h"

namespace roseyd::loadgen {

namespace {

constexpr int64_t kRows = 10000;
constexpr int64_t kRowsPerInsert = 500;

// The highest id in the table (0 when empty), from a search by id descending.
int64_t HighestId(bus::Connection* connection, const std::string& row) {
  const std::string reply = SetupRequest(
      connection, row + ".search",
      R"({"table":"search_latency","sort":{"field":"id","order":"desc"},"limit":1})",
      "reading the search_latency table");
  const size_t at = reply.find(R"("id": )");
  return at == std::string::npos ? 0 : std::stoll(reply.substr(at + 6));
}

}  // namespace

void RunRowSearchLatency(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  Bots bots = ctx->StartBots(1, 1);
  bus::Connection* connection = bots.connections[0].get();
  const std::string row = ctx->Subject("row.") + kBenchPlugin;
  SetupRequest(connection, row + ".schema.register",
               R"({"table":"search_latency","schema":{"fields":[)"
               R"({"name":"n","type":"integer","required":true},)"
               R"({"name":"text","type":"string"},{"name":"score","type":"float"}]}})",
               "registering the search_latency table");
  for (int64_t next = HighestId(connection, row) + 1; next <= kRows;) {
    std::string rows;
    for (int64_t i = 0; i < kRowsPerInsert && next <= kRows; ++i, ++next) {
      rows += (rows.empty() ? "" : ",") + SearchRowPayload(next);
    }
    SetupRequest(connection, row + ".insert",
                 R"({"table":"search_latency","data":[)" + rows + "]}",
                 "filling the search_latency table");
  }
  ctx->AddNote("over " + std::to_string(kRows) + " rows");
  const ScenarioClock::time_point start = ScenarioClock::now() + kLead;
  const std::set<pid_t> threads_before = ProcessUsage::Threads();
  RequestStream stream(
      connection, count, start, IntervalFor(spec.rate),
      [&](uint64_t i) {
        return StreamRequest{row + ".search", RowSearchPayload(i)};
      },
      StorageReplyFailed);
  RunStorageLoad(ctx, &bots, threads_before, &stream, count, spec.rate, start);
}

}  // namespace roseyd::loadgen
