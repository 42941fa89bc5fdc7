// The service's CPU idle, under chat lines over NATS, and under the same
// lines written straight into the store API: what the NATS path costs.

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <stdexcept>

#include "loadgen/scenarios/kinds.h"
#include "writer/event_writer.h"

namespace roseyd::loadgen {

namespace {

// CPU of the service over a window in which `body` runs, as % of a core.
double CpuPercent(const ProcessUsage& usage, const std::function<void()>& body,
                  double* seconds_used = nullptr) {
  const double cpu0 = usage.ServiceCpuSeconds();
  const ScenarioClock::time_point t0 = ScenarioClock::now();
  body();
  const double used = usage.ServiceCpuSeconds() - cpu0;
  if (seconds_used) *seconds_used = used;
  return 100.0 * used / Seconds(ScenarioClock::now() - t0);
}

// The same chat lines as the NATS path, submitted to the writer directly;
// returns the events committed.
uint64_t SendThroughStoreApi(ScenarioContext* ctx, store::EventWriter* writer, Bots* bots,
                             uint64_t count) {
  const ScenarioSpec& spec = ctx->spec();
  const ScenarioClock::time_point start = ScenarioClock::now() + kLead;
  std::unique_ptr<CommitTracker> direct = ctx->NewTracker(count, start, IntervalFor(spec.rate), false);
  const uint64_t first = direct->first_id();
  ScopedCommitListener listening(ctx->target(), direct.get());
  const std::string user = ctx->User(0);
  DriveLoad(
      start, IntervalFor(spec.rate), count, 1,
      [&](int, uint64_t i) {
        store::Event e{store::ChatMessage{user, "direct line " + std::to_string(i)}};
        e.unix_time = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
        e.received = ScenarioClock::now();
        e.trace_id = first + i;
        return writer->Submit(std::move(e));
      },
      [&] { return direct->Committed(); }, &bots->usage, ctx->cancelled(), nullptr);
  // After a cancel, DriveLoad sent fewer than `count`: wait only for those.
  direct->WaitAll(ScenarioClock::now() + std::chrono::seconds(10), &ctx->cancelled());
  listening.Remove();
  return direct->Committed();
}

}  // namespace

void RunCpuOverhead(ScenarioContext* ctx) {
  store::EventWriter* writer = ctx->target()->Writer();
  if (writer == nullptr) {
    throw std::runtime_error("needs the store API in this process (run roseyd bench without --nats-url)");
  }
  const ScenarioSpec& spec = ctx->spec();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  ctx->result().target_rate = spec.rate;
  Bots bots = ctx->StartBots(1, 1);
  bots.usage.ExcludeThreads({static_cast<pid_t>(gettid())});  // this thread sends in both paths

  const double idle = CpuPercent(bots.usage, [&] { ctx->Sleep(spec.idle); });
  double nats_cpu_s = 0;
  ChatRun run;
  const double nats =
      CpuPercent(bots.usage, [&] { run = ctx->SendChat(&bots, spec.rate, count); }, &nats_cpu_s);
  ctx->RecordChatOutcome(run);

  double store_cpu_s = 0;
  uint64_t store_committed = 0;
  const double store = CpuPercent(
      bots.usage, [&] { store_committed = SendThroughStoreApi(ctx, writer, &bots, count); },
      &store_cpu_s);

  const double per_event_nats =
      1e6 * nats_cpu_s / static_cast<double>(std::max<uint64_t>(1, run.load.sent));
  const double per_event_store =
      1e6 * store_cpu_s / static_cast<double>(std::max<uint64_t>(1, store_committed));
  ctx->AddFigure("cpu_points_over_idle", nats - idle);
  ctx->AddFigure("cpu_percent_idle", idle);
  ctx->AddFigure("cpu_percent_nats", nats);
  ctx->AddFigure("cpu_percent_store_api", store);
  ctx->AddFigure("cpu_us_per_event_nats", per_event_nats);
  ctx->AddFigure("cpu_us_per_event_store_api", per_event_store);
  ctx->AddFigure("cpu_per_event_ratio_nats_to_store",
                 per_event_store > 0 ? per_event_nats / per_event_store : 0);
  ctx->AddNote("service CPU: the process less the load generator's threads, includes idle "
               "timers; per-event figures include the idle share");
}

}  // namespace roseyd::loadgen
