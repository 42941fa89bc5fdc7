// A ramp of chat rates: the highest with p99 under its target and nothing
// lost is the capacity. A missed step is tried again before the search
// gives up on its rate (CapacitySearch), and each step carries the NATS
// echo floor measured beside it.

#include <unistd.h>

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

#include "loadgen/capacity_search.h"
#include "loadgen/noise_monitor.h"
#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

void RunCapacity(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  report::ScenarioResult& result = ctx->result();
  Bots bots = ctx->StartBots(spec.publishers, spec.publishers);
  // This thread sends: its CPU is the load generator's, not the service's.
  bots.usage.ExcludeThreads({static_cast<pid_t>(gettid())});
  ProcessUsage* usage = ctx->ServiceUsage(&bots);
  NoiseMonitor* noise = ctx->noise();
  CapacitySearch search(spec.rates);
  double cpu_at_best = 0;
  double floor_at_best = 0;
  report::LatencyHistogram all;
  result.extra["p99_target_ms"] = spec.p99_target_ms;
  result.extra["step_s"] = std::chrono::duration<double>(spec.step).count();
  while (!search.done() && !ctx->cancelled()) {
    const double rate = search.rate();
    const auto count = static_cast<uint64_t>(rate * std::chrono::duration<double>(spec.step).count());
    const int64_t before = ctx->CountsRows() ? ctx->CountChatRows() : 0;
    const double cpu_before = usage ? usage->ServiceCpuSeconds() : 0;
    const NoiseMonitor::WindowId window = noise ? noise->Open() : 0;
    ChatRun run = ctx->SendChat(&bots, rate, count);
    const report::NoiseWindow floor = noise ? noise->Close(window) : report::NoiseWindow{};
    const double cpu_used = usage ? usage->ServiceCpuSeconds() - cpu_before : 0;
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
    report::RateStep step;
    step.offered_per_s = rate;
    step.attempt = search.attempt();
    step.sent = run.load.sent;
    step.persisted = static_cast<uint64_t>(persisted);
    step.lost = lost;
    const ScenarioClock::time_point last = run.tracker->LastCommit();
    step.persisted_per_s =
        last > run.start ? static_cast<double>(persisted) / Seconds(last - run.start) : 0;
    step.p50_ms = s.median_ms;
    step.p99_ms = s.p99_ms;
    step.cpu_us_per_event = persisted > 0 ? 1e6 * cpu_used / static_cast<double>(persisted) : 0;
    step.within_target = s.p99_ms <= spec.p99_target_ms && lost == 0 && !ctx->cancelled();
    step.floor_p99_ms = floor.floor_n > 0 ? floor.floor_p99_ms : 0;
    step.steal_percent = floor.steal_percent;
    result.steps.push_back(step);
    const std::string at = "at_" + std::to_string(static_cast<int64_t>(rate));
    // A rate's last attempt speaks for it.
    result.extra[at + "_p99_ms"] = s.p99_ms;
    result.extra[at + "_lost"] = static_cast<double>(lost);
    spdlog::info(
        "capacity: {:.0f} ev/s offered (attempt {}): p99 {:.2f} ms, {} lost, {:.1f} us "
        "CPU an event, echo floor p99 {:.2f} ms",
        rate, step.attempt, s.p99_ms, lost, step.cpu_us_per_event, step.floor_p99_ms);
    if (ctx->cancelled()) break;
    search.Record(step.within_target);
    if (step.within_target) {
      cpu_at_best = step.cpu_us_per_event;
      floor_at_best = step.floor_p99_ms;
    }
  }
  result.event_latency = LatencyResultOf(all);
  ctx->AddFigure("capacity_events_per_second", search.capacity());
  if (usage != nullptr && cpu_at_best > 0) {
    ctx->AddFigure("cpu_us_per_event_at_capacity", cpu_at_best);
  }
  if (floor_at_best > 0) result.extra["floor_p99_ms_at_capacity"] = floor_at_best;
  ctx->AddNote("highest rate that passed (p99 under " +
               std::to_string(static_cast<int>(spec.p99_target_ms)) +
               " ms, nothing lost); a missed rate is tried again, and 2 misses in a row at one "
               "rate end the search");
}

}  // namespace roseyd::loadgen
