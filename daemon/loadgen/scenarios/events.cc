// Chat lines from N bots, at a constant rate (events) or back to back
// (burst): latency from each line's intended send to its commit.

#include <unistd.h>

#include <cmath>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

namespace {

void RunChat(ScenarioContext* ctx, bool burst) {
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  const double rate = burst ? 0 : spec.rate;
  ctx->result().target_rate = rate;
  Bots bots = ctx->StartBots(spec.publishers, spec.publishers);
  // This thread sends: its CPU is the load generator's, not the service's.
  bots.usage.ExcludeThreads({static_cast<pid_t>(gettid())});
  ProcessUsage* usage = ctx->ServiceUsage(&bots);
  const double cpu_before = usage ? usage->ServiceCpuSeconds() : 0;
  ChatRun run = ctx->SendChat(&bots, rate, count);
  const double cpu_used = usage ? usage->ServiceCpuSeconds() - cpu_before : 0;
  ctx->RecordChatOutcome(run);
  const report::ScenarioResult& result = ctx->result();
  ctx->LatencyFigures(result.event_latency->summary);
  const ScenarioClock::time_point last = run.tracker->LastCommit();
  const double window = last > run.start ? Seconds(last - run.start) : 0;
  ctx->AddFigure("persisted_per_second",
                 window > 0 ? static_cast<double>(result.persisted) / window : 0);
  if (burst) ctx->AddFigure("all_persisted_s", result.lost == 0 ? window : INFINITY);
  ctx->AddFigure("lost", static_cast<double>(result.lost));
  if (usage != nullptr && result.persisted > 0) {
    // The service's CPU over the load, beside its wall-clock figures. The
    // burst's is comparable with the original's CPU per event, which was
    // measured over lines published at once; a paced run's includes the
    // idle share and a commit's fixed cost over smaller batches.
    ctx->AddFigure("cpu_us_per_event", 1e6 * cpu_used / static_cast<double>(result.persisted));
  }
}

}  // namespace

void RunEvents(ScenarioContext* context) { RunChat(context, /*burst=*/false); }

void RunBurst(ScenarioContext* context) { RunChat(context, /*burst=*/true); }

}  // namespace roseyd::loadgen
