#include "loadgen/scenarios/storage_load.h"

#include <unistd.h>

#include <stdexcept>

namespace roseyd::loadgen {

void RunStorageLoad(ScenarioContext* ctx, Bots* bots, const std::set<pid_t>& threads_before,
                    RequestStream* stream, uint64_t count, double rate,
                    ScenarioClock::time_point start) {
  report::ScenarioResult& result = ctx->result();
  result.target_rate = rate;
  const LoadgenMetrics::Live* live = ctx->live();
  if (live) live->target_rate->Set(rate);
  bots->usage.ExcludeThreadsSince(threads_before);
  bots->usage.ExcludeThreads({static_cast<pid_t>(gettid())});
  ProcessUsage* usage = ctx->ServiceUsage(bots);
  const double cpu_before = usage ? usage->ServiceCpuSeconds() : 0;
  LoadOutcome load = DriveLoad(
      start, IntervalFor(rate), count, 1, [&](int, uint64_t i) { return stream->Send(i); },
      [&] { return stream->Answered(); }, usage, ctx->cancelled(), live ? live->sent : nullptr);
  stream->WaitReplies(load.sent, ScenarioClock::now() + std::chrono::seconds(10));
  const double cpu_used = usage ? usage->ServiceCpuSeconds() - cpu_before : 0;
  result.sent = load.sent;
  result.failed_requests = stream->Failed(load.sent);
  result.request_latency = LatencyResultOf(stream->Latencies());
  result.publish_call = LatencyResultOf(load.publish_call);
  result.timeline = load.timeline;
  const report::LatencySummary& s = result.request_latency->summary;
  ctx->AddFigure("p50_latency_ms", s.median_ms);
  ctx->AddFigure("p95_latency_ms", s.p95_ms);
  ctx->AddFigure("p99_latency_ms", s.p99_ms);
  ctx->AddFigure("failed_requests", static_cast<double>(result.failed_requests));
  const double window = Seconds(std::max(stream->LastReply(), load.end) - start);
  ctx->AddFigure("ops_per_second",
                 window > 0 ? static_cast<double>(stream->Answered()) / window : 0);
  if (usage != nullptr && stream->Answered() > 0) {
    ctx->AddFigure("cpu_us_per_request", 1e6 * cpu_used / static_cast<double>(stream->Answered()));
  }
}

std::string SetupRequest(bus::Connection* connection, const std::string& subject,
                         const std::string& payload, const std::string& what) {
  std::string reply;
  const Status s = connection->Request(subject, payload, std::chrono::seconds(10), &reply);
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
  if (reply.find(R"("success": true)") == std::string::npos) {
    throw std::runtime_error(what + ": " + reply.substr(0, 200));
  }
  return reply;
}

}  // namespace roseyd::loadgen
