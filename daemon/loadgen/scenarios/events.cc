// Chat lines from N bots, at a constant rate (events) or back to back
// (burst, in rounds): latency from each line's intended send to its commit.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <spdlog/spdlog.h>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

namespace {

// The median of `v` (the mean of the middle two for an even count).
double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// Service CPU per persisted event, in µs (the idle share included).
void CpuPerEvent(ScenarioContext* ctx, double cpu_seconds) {
  const uint64_t persisted = ctx->result().persisted;
  if (persisted > 0) {
    ctx->AddFigure("cpu_us_per_event", 1e6 * cpu_seconds / static_cast<double>(persisted));
  }
}

void RunPaced(ScenarioContext* ctx, Bots* bots, ProcessUsage* usage) {
  const ScenarioSpec& spec = ctx->spec();
  ctx->result().target_rate = spec.rate;
  const double cpu_before = usage ? usage->ServiceCpuSeconds() : 0;
  ChatRun run = ctx->SendChat(bots, spec.rate, static_cast<uint64_t>(spec.EventCount()));
  const double cpu_used = usage ? usage->ServiceCpuSeconds() - cpu_before : 0;
  ctx->RecordChatOutcome(run);
  const report::ScenarioResult& result = ctx->result();
  ctx->LatencyFigures(result.event_latency->summary);
  const ScenarioClock::time_point last = run.tracker->LastCommit();
  const double window = last > run.start ? Seconds(last - run.start) : 0;
  ctx->AddFigure("persisted_per_second",
                 window > 0 ? static_cast<double>(result.persisted) / window : 0);
  ctx->AddFigure("lost", static_cast<double>(result.lost));
  if (usage != nullptr) CpuPerEvent(ctx, cpu_used);
}

// spec.rounds bursts in turn: the rate and time are the median round's, the
// lowest and highest round's rate its interval (with 5 rounds they hold the
// median rate with 94 % confidence: 1 - 2 / 2^5).
void RunBurstRounds(ScenarioContext* ctx, Bots* bots, ProcessUsage* usage) {
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  report::ScenarioResult& result = ctx->result();
  std::vector<double> rates, times;
  report::LatencyHistogram latencies, publish_call;
  double cpu_used = 0;
  for (int round = 0; round < std::max(1, spec.rounds) && !ctx->cancelled(); ++round) {
    const uint64_t persisted_before = result.persisted;
    const double cpu_before = usage ? usage->ServiceCpuSeconds() : 0;
    ChatRun run = ctx->SendChat(bots, 0, count);
    const double round_cpu = usage ? usage->ServiceCpuSeconds() - cpu_before : 0;
    cpu_used += round_cpu;
    ctx->RecordChatOutcome(run);  // adds to sent and persisted
    latencies.Merge(run.tracker->Latencies());
    publish_call.Merge(run.load.publish_call);
    const uint64_t persisted = result.persisted - persisted_before;
    const ScenarioClock::time_point last = run.tracker->LastCommit();
    const double window = last > run.start ? Seconds(last - run.start) : 0;
    rates.push_back(window > 0 ? static_cast<double>(persisted) / window : 0);
    times.push_back(LostEvents(run.load.sent, persisted) == 0 ? window : INFINITY);
    spdlog::debug("bench: {} round {}: {} persisted in {:.3f} s ({:.0f}/s), {} commits, service "
                  "CPU {:.2f} µs an event",
                  spec.name, round + 1, persisted, window, rates.back(), run.tracker->Batches(),
                  persisted > 0 ? 1e6 * round_cpu / static_cast<double>(persisted) : 0.0);
  }
  result.event_latency = LatencyResultOf(latencies);
  result.publish_call = LatencyResultOf(publish_call);
  ctx->LatencyFigures(result.event_latency->summary);
  ctx->AddFigure("persisted_per_second", Median(rates));
  if (rates.size() > 1) {
    ctx->AddFigure("persisted_per_second_min", *std::min_element(rates.begin(), rates.end()));
    ctx->AddFigure("persisted_per_second_max", *std::max_element(rates.begin(), rates.end()));
  }
  ctx->AddFigure("all_persisted_s", Median(times));
  ctx->AddFigure("lost", static_cast<double>(result.lost));
  // The service's CPU over the bursts: comparable with the original's CPU
  // per event, which was measured over lines published at once.
  if (usage != nullptr) CpuPerEvent(ctx, cpu_used);
  result.extra["rounds"] = static_cast<double>(rates.size());
}

void RunChat(ScenarioContext* ctx, bool burst) {
  const ScenarioSpec& spec = ctx->spec();
  Bots bots = ctx->StartBots(spec.publishers, spec.publishers);
  // This thread sends: its CPU is the load generator's, not the service's.
  bots.usage.ExcludeThreads({static_cast<pid_t>(gettid())});
  ProcessUsage* usage = ctx->ServiceUsage(&bots);
  if (burst) {
    RunBurstRounds(ctx, &bots, usage);
  } else {
    RunPaced(ctx, &bots, usage);
  }
}

}  // namespace

void RunEvents(ScenarioContext* context) { RunChat(context, /*burst=*/false); }

void RunBurst(ScenarioContext* context) { RunChat(context, /*burst=*/true); }

}  // namespace roseyd::loadgen
