// The four query subjects in turn, open loop from one bot: latency from
// each request's intended send to its reply.

#include <unistd.h>

#include <set>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

void RunRequests(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  report::ScenarioResult& result = ctx->result();
  result.target_rate = spec.rate;
  Bots bots = ctx->StartBots(1, 1);
  const LoadgenMetrics::Live* live = ctx->live();
  const ScenarioClock::time_point start = ScenarioClock::now() + kLead;
  const std::set<pid_t> before = ProcessUsage::Threads();
  RequestStream stream(bots.connections[0].get(), ctx->target()->SubjectPrefix(), ctx->User(0),
                       count, start, IntervalFor(spec.rate), live ? live->request_latency : nullptr);
  // The replies' delivery thread and this (sending) thread are the load
  // generator's.
  bots.usage.ExcludeThreadsSince(before);
  bots.usage.ExcludeThreads({static_cast<pid_t>(gettid())});
  ProcessUsage* usage = ctx->ServiceUsage(&bots);
  if (live) live->target_rate->Set(spec.rate);
  const double cpu_before = usage ? usage->ServiceCpuSeconds() : 0;
  LoadOutcome load = DriveLoad(
      start, IntervalFor(spec.rate), count, 1, [&](int, uint64_t i) { return stream.Send(i); },
      [&] { return stream.Answered(); }, usage, ctx->cancelled(), live ? live->sent : nullptr);
  stream.WaitReplies(load.sent, ScenarioClock::now() + std::chrono::seconds(5), &ctx->cancelled());
  const double cpu_used = usage ? usage->ServiceCpuSeconds() - cpu_before : 0;
  result.sent = load.sent;
  result.failed_requests = stream.Failed(load.sent);
  result.request_latency = LatencyResultOf(stream.Latencies());
  result.publish_call = LatencyResultOf(load.publish_call);
  result.timeline = load.timeline;
  const report::LatencySummary& s = result.request_latency->summary;
  ctx->AddFigure("mean_latency_ms", s.mean_ms);
  ctx->AddFigure("p50_latency_ms", s.median_ms);
  ctx->AddFigure("p95_latency_ms", s.p95_ms);
  ctx->AddFigure("p99_latency_ms", s.p99_ms);
  ctx->AddFigure("failed_requests", static_cast<double>(result.failed_requests));
  if (usage != nullptr && stream.Answered() > 0) {
    ctx->AddFigure("cpu_us_per_request", 1e6 * cpu_used / static_cast<double>(stream.Answered()));
  }
}

}  // namespace roseyd::loadgen
