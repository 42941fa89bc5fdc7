// Every event subject in a bot's proportions, with queries alongside from a
// bot of their own; then every table the events touch is counted.

#include <unistd.h>

#include <algorithm>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "loadgen/payloads.h"
#include "loadgen/scenarios/kinds.h"
#include "store/bench_store.h"

namespace roseyd::loadgen {

namespace {

// The status events' bot_name (payloads.cc).
constexpr char kBenchBotName[] = "roseyd-bench";

// Compares every table the events touch with what was sent; returns the
// number of tables that differ, each noted with both counts.
int CheckRows(ScenarioContext* ctx, const std::map<MixedKind, uint64_t>& sent_by_kind, int users,
              int64_t marker) {
  report::ScenarioResult& result = ctx->result();
  const std::string& prefix = ctx->user_prefix();
  int wrong = 0;
  const auto check = [&](const std::string& what, int64_t want,
                         const std::function<Status(store::BenchCounts&, int64_t*)>& count) {
    const int64_t got = ctx->CountRows(count);
    result.extra[what + "_expected"] = static_cast<double>(want);
    result.extra[what + "_found"] = static_cast<double>(got);
    if (want != got) {
      ++wrong;
      ctx->AddNote(what + ": expected " + std::to_string(want) + ", found " + std::to_string(got));
    }
  };
  const auto sent = [&](MixedKind k) {
    const auto it = sent_by_kind.find(k);
    return static_cast<int64_t>(it == sent_by_kind.end() ? 0 : it->second);
  };
  using Counts = store::BenchCounts;
  check("recent_chat_rows", sent(MixedKind::kChat),
        [&](Counts& c, int64_t* n) { return c.RecentChatRows(prefix, n); });
  check("user_stats_chat_lines", sent(MixedKind::kChat),
        [&](Counts& c, int64_t* n) { return c.UserStatsChatLines(prefix, n); });
  check("user_stats_users", users,
        [&](Counts& c, int64_t* n) { return c.UserStatsUsers(prefix, n); });
  check("user_actions_pm_command", sent(MixedKind::kPmCommand),
        [&](Counts& c, int64_t* n) { return c.PmCommandActions(prefix, n); });
  check("user_count_history_rows", sent(MixedKind::kUserCount),
        [&](Counts& c, int64_t* n) { return c.UserCountHistoryRows(marker, n); });
  check("current_status_bot_name", sent(MixedKind::kStatus) > 0 ? 1 : 0,
        [&](Counts& c, int64_t* n) { return c.CurrentStatusRows(kBenchBotName, n); });
  return wrong;
}

}  // namespace

void RunMixed(ScenarioContext* ctx) {
  const ScenarioSpec& spec = ctx->spec();
  report::ScenarioResult& result = ctx->result();
  const LoadgenMetrics::Live* live = ctx->live();
  const uint64_t count = static_cast<uint64_t>(spec.EventCount());
  result.target_rate = spec.rate;
  const int users = std::max(spec.publishers, 8);
  Bots bots = ctx->StartBots(spec.publishers + 1, users);  // +1 asks queries
  const ScenarioClock::time_point start = ScenarioClock::now() + kLead;
  std::unique_ptr<CommitTracker> tracker = ctx->NewTracker(count, start, IntervalFor(spec.rate), true);
  const uint64_t first = tracker->first_id();
  ScopedCommitListener listening(ctx->target(), tracker.get());
  if (live) live->target_rate->Set(spec.rate);
  // Only the sending lambda below touches it, and DriveLoad calls that on
  // this thread.
  std::map<MixedKind, uint64_t> sent_by_kind;
  const int64_t marker = 900000000 + static_cast<int64_t>(first % 1000000);  // user_count rows

  // Queries at a tenth of the event rate, alongside, from their own bot.
  const uint64_t queries = std::max<uint64_t>(1, count / 10);
  const std::set<pid_t> threads_before = ProcessUsage::Threads();
  RequestStream stream(bots.connections.back().get(), ctx->target()->SubjectPrefix(), ctx->User(0),
                       queries, start, IntervalFor(spec.rate / 10),
                       live ? live->request_latency : nullptr);
  LoadOutcome query_load;
  // The queries' thread stays until the service's CPU has been read: once
  // it ends, its CPU could no longer be told from the process's.
  std::promise<void> queries_sent, cpu_read;
  std::thread query_thread([&] {
    ProcessUsage unused;
    query_load = DriveLoad(start, IntervalFor(spec.rate / 10), queries, 1,
                           [&](int, uint64_t i) { return stream.Send(i); },
                           [&] { return stream.Answered(); }, &unused, ctx->cancelled(), nullptr);
    queries_sent.set_value();
    cpu_read.get_future().wait();
  });
  // The queries' thread and their replies' delivery thread, and this one,
  // which sends the events, are the load generator's.
  bots.usage.ExcludeThreadsSince(threads_before);
  bots.usage.ExcludeThreads({static_cast<pid_t>(gettid())});
  ProcessUsage* usage = ctx->ServiceUsage(&bots);
  const double cpu_before = usage ? usage->ServiceCpuSeconds() : 0;
  LoadOutcome load = DriveLoad(
      start, IntervalFor(spec.rate), count, spec.publishers,
      [&](int lane, uint64_t i) {
        const MixedKind kind = MixedKindOf(i);
        const std::string user = ctx->User(static_cast<int>(i % static_cast<uint64_t>(users)));
        Status s = bots.connections[static_cast<size_t>(lane)]->PublishTraced(
            ctx->Subject(MixedSubjectSuffix(kind)),
            MixedPayload(kind, user, i, spec.message_bytes, marker), first + i);
        if (s.ok()) ++sent_by_kind[kind];
        return s;
      },
      [&] { return tracker->Committed(); }, usage, ctx->cancelled(), live ? live->sent : nullptr);
  queries_sent.get_future().wait();
  tracker->WaitQuiet(load.sent, std::chrono::milliseconds(2000),
                     ScenarioClock::now() + std::chrono::seconds(30), &ctx->cancelled());
  stream.WaitReplies(query_load.sent, ScenarioClock::now() + std::chrono::seconds(5),
                     &ctx->cancelled());
  const double cpu_used = usage ? usage->ServiceCpuSeconds() - cpu_before : 0;
  cpu_read.set_value();
  query_thread.join();
  listening.Remove();

  result.sent = load.sent;
  ctx->SetPersisted(tracker->Committed());
  result.event_latency = LatencyResultOf(tracker->Latencies());
  result.request_latency = LatencyResultOf(stream.Latencies());
  result.failed_requests = stream.Failed(query_load.sent);
  result.publish_call = LatencyResultOf(load.publish_call);
  result.timeline = load.timeline;

  // Every table the events touch, counted (when the file can be read from here).
  int wrong = 0;
  if (ctx->CountsRows()) {
    wrong = CheckRows(ctx, sent_by_kind, users, marker);
  } else {
    ctx->AddNote("rows not checked: no --db to read the service's database");
  }
  const ScenarioClock::time_point last = tracker->LastCommit();
  const double window = last > start ? Seconds(last - start) : 0;
  ctx->AddFigure("persisted_per_second",
                 window > 0 ? static_cast<double>(result.persisted) / window : 0);
  ctx->LatencyFigures(result.event_latency->summary);
  ctx->AddFigure("request_p95_latency_ms", result.request_latency->summary.p95_ms);
  ctx->AddFigure("lost", static_cast<double>(result.lost));
  if (ctx->CountsRows()) ctx->AddFigure("rows_wrong", wrong);
  ctx->AddFigure("failed_requests", static_cast<double>(result.failed_requests));
  if (usage != nullptr && result.persisted > 0) {
    // The queries alongside are in it: a tenth as many, each dearer.
    ctx->AddFigure("cpu_us_per_event", 1e6 * cpu_used / static_cast<double>(result.persisted));
  }
}

}  // namespace roseyd::loadgen
