// Chat lines from N bots, at a constant rate (events) or back to back
// (burst): latency from each line's intended send to its commit.

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
  ChatRun run = ctx->SendChat(&bots, rate, count);
  ctx->RecordChatOutcome(run);
  const report::ScenarioResult& result = ctx->result();
  ctx->LatencyFigures(result.event_latency->summary);
  const ScenarioClock::time_point last = run.tracker->LastCommit();
  const double window = last > run.start ? Seconds(last - run.start) : 0;
  ctx->AddFigure("persisted_per_second",
                 window > 0 ? static_cast<double>(result.persisted) / window : 0);
  if (burst) ctx->AddFigure("all_persisted_s", result.lost == 0 ? window : INFINITY);
  ctx->AddFigure("lost", static_cast<double>(result.lost));
}

}  // namespace

void RunEvents(ScenarioContext* context) { RunChat(context, /*burst=*/false); }

void RunBurst(ScenarioContext* context) { RunChat(context, /*burst=*/true); }

}  // namespace roseyd::loadgen
