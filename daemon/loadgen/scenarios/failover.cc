// Two service instances on one PostgreSQL database (bench.store_url), in
// durable mode, as two roseyd run: the leader stops a third of the way
// through a chat load and the other takes over. How long the events waited,
// and whether each line is in the database exactly once.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "loadgen/scenarios/kinds.h"

namespace roseyd::loadgen {

namespace {

constexpr int kInstances = 2;

double MillisOrInfinity(ScenarioClock::time_point from, ScenarioClock::time_point to) {
  return to == ScenarioClock::time_point{} ? INFINITY : std::max(0.0, Millis(to - from));
}

}  // namespace

void RunFailover(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  ctx->result().target_rate = spec.rate;
  std::unique_ptr<ReplicaSet> replicas;
  try {
    replicas = ctx->target()->StartReplicas(kInstances);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot start two instances on PostgreSQL: ") + e.what());
  }
  Bots bots = ctx->StartBots(spec.publishers, spec.publishers);
  // A failover takes tens to hundreds of milliseconds: sample finely
  // enough for the gap to show on the chart.
  ctx->SetTimelineInterval(std::chrono::milliseconds(100));
  FailoverTiming timing;
  bool stopped = false;
  std::string why;
  ChatRun run = ctx->SendChat(&bots, spec.rate, count, [&](CommitTracker& tracker) {
    ctx->Sleep(
        std::chrono::duration_cast<std::chrono::milliseconds>(kLead + spec.LoadDuration() / 3));
    if (ctx->cancelled()) return;
    try {
      timing = replicas->StopLeader([&] {
        tracker.WatchFrom(ScenarioClock::now());  // any commit from now on is the new leader's
      });
      stopped = true;
    } catch (const std::exception& e) {
      why = e.what();
    }
  });
  if (!stopped && ctx->cancelled()) return;  // before the stop: nothing to measure
  if (!stopped) throw std::runtime_error("cannot stop the leader: " + why);
  ctx->RecordChatOutcome(run);
  // The database's word, not the commit notifications': each line once.
  int64_t rows = 0;
  int64_t distinct = 0;
  if (const Status s = replicas->ChatRows(ctx->user_prefix(), &rows, &distinct); !s.ok()) {
    throw std::runtime_error("counting rows in " + replicas->Describe() +
                             " failed: " + s.ToString());
  }
  ctx->SetPersisted(static_cast<uint64_t>(distinct));
  const ScenarioClock::time_point first = run.tracker->FirstCommitAfterWatch();
  ctx->AddFigure("failover_ms", MillisOrInfinity(timing.began, first));
  ctx->AddFigure("leader_stop_ms", Millis(timing.stopped - timing.began));
  ctx->AddFigure("takeover_ms", MillisOrInfinity(timing.stopped, timing.taken_over));
  ctx->AddFigure("lost", static_cast<double>(ctx->result().lost));
  ctx->AddFigure("duplicated", static_cast<double>(rows - distinct));
  ctx->AddMarker(run.load.timeline_origin, timing.began, "the leader stops");
  if (first != ScenarioClock::time_point{}) {
    char gap[80];
    std::snprintf(gap, sizeof(gap), "the new leader's first commit, %.1f ms later",
                  Millis(first - timing.began));
    ctx->AddMarker(run.load.timeline_origin, first, gap);
  }
  ctx->AddNote(std::to_string(kInstances) +
               " service instances of the benchmark's own in this process, each on its own NATS "
               "connection, durable, on " +
               replicas->Describe() +
               "; the leader stops as on SIGTERM (commits what it holds, gives up its claim); "
               "persisted and duplicated are counted in PostgreSQL");
}

}  // namespace roseyd::loadgen
