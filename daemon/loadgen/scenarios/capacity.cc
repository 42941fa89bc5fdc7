// A ramp of chat rates: the highest with p99 under its target and nothing
// lost is the capacity.

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

void RunCapacity(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  report::ScenarioResult& result = ctx->result();
  Bots bots = ctx->StartBots(spec.publishers, spec.publishers);
  double best = 0;
  report::LatencyHistogram all;
  for (const double rate : spec.rates) {
    if (ctx->cancelled()) break;
    const auto count = static_cast<uint64_t>(rate * std::chrono::duration<double>(spec.step).count());
    const int64_t before = ctx->CountsRows() ? ctx->CountChatRows() : 0;
    ChatRun run = ctx->SendChat(&bots, rate, count);
    const int64_t persisted = ctx->CountsRows() ? ctx->CountChatRows() - before
                                                : static_cast<int64_t>(run.tracker->Committed());
    const uint64_t lost = LostEvents(run.load.sent, static_cast<uint64_t>(persisted));
    const report::LatencySummary s = report::Summarize(run.tracker->Latencies());
    result.sent += run.load.sent;
    ctx->SetPersisted(result.persisted + static_cast<uint64_t>(persisted));
    all.Merge(run.tracker->Latencies());
    for (auto p : run.load.timeline) {
      p.t_s += result.timeline.empty() ? 0 : result.timeline.back().t_s;
      result.timeline.push_back(p);
    }
    const std::string at = "at_" + std::to_string(static_cast<int64_t>(rate));
    result.extra[at + "_p99_ms"] = s.p99_ms;
    result.extra[at + "_lost"] = static_cast<double>(lost);
    spdlog::info("capacity: {:.0f} ev/s offered: p99 {:.2f} ms, {} lost", rate, s.p99_ms, lost);
    if (s.p99_ms > spec.p99_target_ms || lost > 0) break;
    best = rate;
  }
  result.event_latency = LatencyResultOf(all);
  ctx->AddFigure("capacity_events_per_second", best);
  ctx->AddNote("highest rate tried with p99 under " +
               std::to_string(static_cast<int>(spec.p99_target_ms)) + " ms and nothing lost");
}

}  // namespace roseyd::loadgen
