// The service restarted inside this process a third of the way through a
// chat load: how long it was away, and what the gap cost.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

namespace {

// Puts the service back in its configured mode when the scenario ran it in
// another one, on every path out.
class RestoreMode {
 public:
  RestoreMode(BenchTarget* target, bool active) : target_(target), active_(active) {}
  ~RestoreMode() {
    RestartTiming unused;
    std::string why;
    if (active_ && !target_->RestartService(&unused, &why, nullptr, "")) {
      spdlog::error("bench: could not put the service back in its own mode: {}", why);
    }
  }
  RestoreMode(const RestoreMode&) = delete;
  RestoreMode& operator=(const RestoreMode&) = delete;

 private:
  BenchTarget* const target_;
  const bool active_;
};

}  // namespace

void RunRestart(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  BenchTarget* target = ctx->target();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  ctx->result().target_rate = spec.rate;
  Bots bots = ctx->StartBots(spec.publishers, spec.publishers);
  RestartTiming timing;
  std::string why;
  bool restarted = false;
  ScenarioClock::time_point stopped_at{};
  // The service runs the whole scenario in the mode asked for, and goes back
  // to its configured mode after it.
  const std::string& mode = spec.durability;
  if (!mode.empty()) {
    RestartTiming unused;
    if (!target->RestartService(&unused, &why, nullptr, mode)) {
      throw std::runtime_error("cannot switch the service to " + mode + ": " + why);
    }
  }
  RestoreMode restore(target, !mode.empty());
  // A restart takes tens of milliseconds: sample the rates finely enough
  // for the gap to show on the chart.
  ctx->SetTimelineInterval(std::chrono::milliseconds(100));
  ChatRun run = ctx->SendChat(&bots, spec.rate, count, [&](CommitTracker& tracker) {
    // A third of the way in, restart the service under the running load.
    ctx->Sleep(std::chrono::duration_cast<std::chrono::milliseconds>(kLead +
                                                                     spec.LoadDuration() / 3));
    if (ctx->cancelled()) return;
    restarted = target->RestartService(
        &timing, &why,
        [&] {
          stopped_at = ScenarioClock::now();
          tracker.WatchFrom(stopped_at);  // any commit from now on is the new writer's
        },
        mode);
  });
  if (!restarted && ctx->cancelled()) return;  // before the restart: nothing to measure
  if (!restarted) throw std::runtime_error("cannot restart the service: " + why);
  ctx->RecordChatOutcome(run);
  const ScenarioClock::time_point first = run.tracker->FirstCommitAfterWatch();
  ctx->AddFigure("stop_ms", Millis(stopped_at - timing.began));
  ctx->AddFigure("start_to_ready_ms", Millis(timing.ready - stopped_at));
  ctx->AddFigure("ready_to_first_commit_ms", first == ScenarioClock::time_point{}
                                                 ? INFINITY
                                                 : std::max(0.0, Millis(first - timing.ready)));
  ctx->AddFigure("restart_to_first_commit_ms",
                 first == ScenarioClock::time_point{} ? INFINITY : Millis(first - timing.began));
  ctx->AddFigure("lost", static_cast<double>(ctx->result().lost));
  ctx->AddMarker(run.load.timeline_origin, timing.began,
                 "restart: service stopping (" + std::to_string(ctx->result().lost) +
                     " events lost)");
  if (first != ScenarioClock::time_point{}) {
    char gap[64];
    std::snprintf(gap, sizeof(gap), "first commit after it, %.1f ms later",
                  Millis(first - timing.began));
    ctx->AddMarker(run.load.timeline_origin, first, gap);
  }
  ctx->AddNote(std::string("the benchmark's own service instance restarts inside this process "
                           "(subscription, writer, database; the bot's service is not touched); ") +
               (mode == "jetstream" ? "durable mode: events published meanwhile wait in the stream"
                                    : "events published while it is unsubscribed are lost on core "
                                      "NATS and counted"));
}

}  // namespace roseyd::loadgen
