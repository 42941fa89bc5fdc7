#include "loadgen/runner.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "base/build_info.h"
#include "bus/connection.h"
#include "bus/subscription.h"
#include "loadgen/commit_tracker.h"
#include "loadgen/open_loop.h"
#include "loadgen/payloads.h"
#include "loadgen/process_usage.h"

namespace roseyd::loadgen {

using report::Figure;
using report::Headroom;
using report::LatencyHistogram;
using report::LatencyResult;
using report::LatencySummary;
using report::LeastSquaresSlope;
using report::RunReport;
using report::ScenarioResult;
using report::Summarize;
using report::Verdict;
using report::VerdictName;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A unique tag per scenario run, so its users and rows are its own.
std::string RunTag() {
  static std::atomic<uint64_t> n{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count() % 100000000) +
         "x" + std::to_string(n.fetch_add(1));
}

// One integer from the database (read-only connection, WAL lets it read
// while the writer writes). Throws std::runtime_error naming the file.
int64_t QueryInt(const std::string& path, const std::string& sql, const std::string& arg = "") {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path + " to count rows: " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    if (!arg.empty()) sqlite3_bind_text(stmt, 1, arg.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  }
  const std::string why = sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  if (value < 0) throw std::runtime_error("counting rows in " + path + " failed: " + why);
  return value;
}

// Simulated bots: one NATS connection each. Their threads are noted so the
// service's CPU can be told apart from the load generator's.
struct Bots {
  std::vector<std::unique_ptr<bus::Connection>> connections;
  std::set<pid_t> threads;
};

Bots ConnectBots(const std::string& url, int count, const std::string& tag) {
  Bots bots;
  const std::set<pid_t> before = ProcessUsage::Threads();
  for (int i = 0; i < count; ++i) {
    bus::ConnectionOptions options;
    options.url = url;
    options.name = "roseyd-bench-" + tag + "-" + std::to_string(i);
    options.send_asap = true;  // a bot's event goes out when it happens
    options.retry_on_failed_connect = false;
    bots.connections.push_back(std::make_unique<bus::Connection>(options));
  }
  for (const pid_t tid : ProcessUsage::Threads()) {
    if (before.count(tid) == 0) bots.threads.insert(tid);
  }
  return bots;
}

LatencyResult ToResult(const LatencyHistogram& h) {
  return LatencyResult{Summarize(h), h.NonEmptyBuckets()};
}

nanoseconds IntervalFor(double rate) {
  return rate > 0 ? nanoseconds(static_cast<int64_t>(1e9 / rate)) : nanoseconds(0);
}

// Room for connections and timers to settle before the first intended send.
constexpr milliseconds kLead{50};

// Why a scenario of this kind needs the service in this process; nullptr
// when it runs against one in another process as well.
const char* InProcessOnly(ScenarioKind kind) {
  switch (kind) {
    case ScenarioKind::kCpuOverhead:
      return "it measures the service's CPU as this process's and compares the NATS path "
             "with the store API";
    case ScenarioKind::kMemoryBaseline:
    case ScenarioKind::kMemoryStability:
      return "it samples the service's RSS as this process's";
    case ScenarioKind::kRestart:
      return "it restarts the service inside this process";
    default:
      return nullptr;
  }
}

}  // namespace

// One run of one scenario: the shared steps, then one method per kind.
class Runner::Scenario {
 public:
  Scenario(Runner* runner, const ScenarioSpec& spec)
      : runner_(runner),
        spec_(spec),
        target_(runner->target_),
        tag_(RunTag()),
        user_prefix_("bench" + tag_ + "-") {
    if (runner->metrics_) live_ = runner->metrics_->ForScenario(spec.name);
    result_.name = spec.name;
    result_.category = spec.category;
    result_.description = spec.description;
    result_.priority = spec.priority;
  }

  ScenarioResult Run() {
    const Clock::time_point began = Clock::now();
    if (live_) live_->running->Set(1);
    const char* in_process_only = InProcessOnly(spec_.kind);
    try {
      if (in_process_only != nullptr && !target_->ServiceInProcess()) {
        // Not a failure of the service: this run cannot measure it.
        result_.status = Verdict::kNotRun;
        result_.inapplicable = true;
        result_.note = std::string("not run: the service is another process and ") +
                       in_process_only + " (run roseyd bench without --nats-url)";
        spdlog::info("scenario {}: {}", spec_.name, result_.note);
      } else {
        RunKind();
        Judge(spec_, &result_);
        NoteRemoteFigures();
      }
    } catch (const std::exception& e) {
      result_.status = Verdict::kNotRun;
      result_.note = std::string("could not run: ") + e.what();
      spdlog::error("scenario {}: {}", spec_.name, result_.note);
    }
    if (runner_->cancelled()) {
      result_.status = Verdict::kNotRun;
      result_.note = "cancelled" + (result_.note.empty() ? "" : "; " + result_.note);
    }
    result_.duration_s = Seconds(Clock::now() - began);
    if (live_) {
      live_->running->Set(0);
      live_->target_rate->Set(0);
      live_->lost->Increment(static_cast<double>(result_.lost));
    }
    return result_;
  }

 private:
  void RunKind() {
    switch (spec_.kind) {
      case ScenarioKind::kEvents: RunEvents(/*burst=*/false); break;
      case ScenarioKind::kBurst: RunEvents(/*burst=*/true); break;
      case ScenarioKind::kRequests: RunRequests(); break;
      case ScenarioKind::kCpuOverhead: RunCpuOverhead(); break;
      case ScenarioKind::kMemoryBaseline: RunMemoryBaseline(); break;
      case ScenarioKind::kMemoryStability: RunMemoryStability(); break;
      case ScenarioKind::kMixed: RunMixed(); break;
      case ScenarioKind::kRestart: RunRestart(); break;
      case ScenarioKind::kCapacity: RunCapacity(); break;
    }
  }

  // What a reader must know about figures taken from another process.
  void NoteRemoteFigures() {
    if (target_->ServiceInProcess()) return;
    std::string note;
    if (spec_.kind != ScenarioKind::kRequests) {
      note = "event latency runs to the arrival of the service's commit acknowledgement "
             "(one NATS hop after the commit)";
      if (!CountsRows()) {
        note += "; persisted counted from those acknowledgements (no --db to count rows in)";
      }
    }
    note += std::string(note.empty() ? "" : "; ") +
            "timeline CPU and RSS not measured (the service is another process)";
    result_.note += (result_.note.empty() ? "" : "; ") + note;
  }

  std::string User(int i) const { return user_prefix_ + "p" + std::to_string(i); }
  std::string Subject(const char* suffix) const { return target_->SubjectPrefix() + "." + suffix; }
  const std::atomic<bool>& Cancelled() const { return runner_->cancelled_; }

  void Figure(const std::string& metric, double value) {
    report::Figure figure;
    figure.metric = metric;
    figure.value = value;
    result_.figures.push_back(std::move(figure));
  }

  // Bots join first, as on a channel, so chat lines also count in user_stats.
  void JoinUsers(Bots& bots, int users) {
    const uint64_t first = ReserveTraceIds(static_cast<uint64_t>(users));
    CommitTracker joins(first, static_cast<uint64_t>(users), Clock::now(), nanoseconds(0));
    target_->AddCommitListener(&joins);
    for (int i = 0; i < users; ++i) {
      auto& connection = *bots.connections[static_cast<size_t>(i) % bots.connections.size()];
      (void)connection.PublishTraced(Subject("user.joined"), UsernamePayload(User(i)),
                                     first + static_cast<uint64_t>(i));
    }
    const bool all = joins.WaitAll(Clock::now() + std::chrono::seconds(10));
    target_->RemoveCommitListener(&joins);
    if (!all) throw std::runtime_error("the bots' user.joined events did not commit within 10 s");
  }

  // Whether persisted rows can be counted in the database from here.
  bool CountsRows() const { return !target_->DatabasePath().empty(); }
  // The service's CPU and RSS, when they are this process's.
  ProcessUsage* ServiceUsage(ProcessUsage* usage) const {
    return target_->ServiceInProcess() ? usage : nullptr;
  }

  int64_t CountChatRows() const {
    return QueryInt(target_->DatabasePath(),
                    "SELECT COUNT(*) FROM recent_chat WHERE username LIKE ?1 || '%'", user_prefix_);
  }

  // Chat lines from `publishers` bots at `rate` (0: back to back), each
  // followed to its commit; fills sent/persisted/lost and event latency.
  struct ChatRun {
    LoadOutcome load;
    std::unique_ptr<CommitTracker> tracker;
    Clock::time_point start;
  };
  ChatRun SendChat(Bots& bots, ProcessUsage* usage, double rate, uint64_t count,
                   const std::function<void(CommitTracker&)>& during = nullptr) {
    ChatRun run;
    const uint64_t first = ReserveTraceIds(count);
    run.start = Clock::now() + kLead;
    run.tracker = std::make_unique<CommitTracker>(first, count, run.start, IntervalFor(rate),
                                                  live_ ? live_->event_latency : nullptr,
                                                  live_ ? live_->persisted : nullptr);
    target_->AddCommitListener(run.tracker.get());
    if (live_) live_->target_rate->Set(rate);
    const int lanes = static_cast<int>(bots.connections.size());
    std::thread side;
    if (during) side = std::thread([&] { during(*run.tracker); });
    run.load = DriveLoad(
        run.start, IntervalFor(rate), count, lanes,
        [&](int lane, uint64_t i) {
          return bots.connections[static_cast<size_t>(lane)]->PublishTraced(
              Subject("message.log"), ChatLinePayload(User(lane), i, spec_.message_bytes),
              first + i);
        },
        [&] { return run.tracker->Committed(); }, ServiceUsage(usage), Cancelled(),
        live_ ? live_->sent : nullptr);
    if (side.joinable()) side.join();
    // Everything sent should commit within a few batch delays; give stragglers
    // up to 10 s of silence, then count what the database holds.
    run.tracker->WaitQuiet(run.load.sent, milliseconds(2000), Clock::now() + std::chrono::seconds(30));
    target_->RemoveCommitListener(run.tracker.get());
    return run;
  }

  void RecordChatOutcome(const ChatRun& run) {
    result_.sent += run.load.sent;
    if (CountsRows()) {
      result_.persisted = static_cast<uint64_t>(CountChatRows());
    } else {
      result_.persisted += run.tracker->Committed();
    }
    result_.lost = result_.sent > result_.persisted ? result_.sent - result_.persisted : 0;
    result_.event_latency = ToResult(run.tracker->Latencies());
    result_.publish_call = ToResult(run.load.publish_call);
    result_.timeline = run.load.timeline;
    if (run.load.errors > 0) {
      result_.note = std::to_string(run.load.errors) + " publishes failed, first: " +
                     run.load.first_error;
    }
    if (run.tracker->Duplicates() > 0) {
      result_.extra["duplicate_commits"] = static_cast<double>(run.tracker->Duplicates());
    }
    if (run.tracker->Rejected() > 0) {
      result_.extra["rejected_by_service"] = static_cast<double>(run.tracker->Rejected());
    }
  }

  void LatencyFigures(const LatencySummary& s) {
    Figure("mean_latency_ms", s.mean_ms);
    Figure("p50_latency_ms", s.median_ms);
    Figure("p95_latency_ms", s.p95_ms);
    Figure("p99_latency_ms", s.p99_ms);
    Figure("max_latency_ms", s.max_ms);
  }

  void RunEvents(bool burst) {
    const uint64_t count = static_cast<uint64_t>(spec_.EventCount());
    const double rate = burst ? 0 : spec_.rate;
    result_.target_rate = rate;
    Bots bots = ConnectBots(target_->NatsUrl(), spec_.publishers, tag_);
    JoinUsers(bots, spec_.publishers);
    ProcessUsage usage;
    usage.ExcludeThreads(bots.threads);
    ChatRun run = SendChat(bots, &usage, rate, count);
    RecordChatOutcome(run);
    LatencyFigures(result_.event_latency->summary);
    const Clock::time_point last = run.tracker->LastCommit();
    const double window = last > run.start ? Seconds(last - run.start) : 0;
    Figure("persisted_per_second", window > 0 ? static_cast<double>(result_.persisted) / window : 0);
    if (burst) Figure("all_persisted_s", result_.lost == 0 ? window : INFINITY);
    Figure("lost", static_cast<double>(result_.lost));
  }

  void RunRequests() {
    const uint64_t count = static_cast<uint64_t>(spec_.EventCount());
    result_.target_rate = spec_.rate;
    Bots bots = ConnectBots(target_->NatsUrl(), 1, tag_);
    JoinUsers(bots, 1);
    ProcessUsage usage;
    usage.ExcludeThreads(bots.threads);
    const Clock::time_point start = Clock::now() + kLead;
    RequestStream stream(bots.connections[0].get(), target_->SubjectPrefix(), User(0), count,
                         start, IntervalFor(spec_.rate), live_ ? live_->request_latency : nullptr);
    if (live_) live_->target_rate->Set(spec_.rate);
    LoadOutcome load = DriveLoad(
        start, IntervalFor(spec_.rate), count, 1, [&](int, uint64_t i) { return stream.Send(i); },
        [&] { return stream.Answered(); }, ServiceUsage(&usage), Cancelled(),
        live_ ? live_->sent : nullptr);
    stream.WaitReplies(load.sent, Clock::now() + std::chrono::seconds(5));
    result_.sent = load.sent;
    result_.failed_requests = stream.Failed(load.sent);
    result_.request_latency = ToResult(stream.Latencies());
    result_.publish_call = ToResult(load.publish_call);
    result_.timeline = load.timeline;
    const LatencySummary& s = result_.request_latency->summary;
    Figure("mean_latency_ms", s.mean_ms);
    Figure("p50_latency_ms", s.median_ms);
    Figure("p95_latency_ms", s.p95_ms);
    Figure("p99_latency_ms", s.p99_ms);
    Figure("failed_requests", static_cast<double>(result_.failed_requests));
  }

  // CPU of the service over a window in which `body` runs, as % of a core.
  static double CpuPercent(ProcessUsage& usage, const std::function<void()>& body,
                           double* seconds_used = nullptr) {
    const double cpu0 = usage.ServiceCpuSeconds();
    const Clock::time_point t0 = Clock::now();
    body();
    const double used = usage.ServiceCpuSeconds() - cpu0;
    if (seconds_used) *seconds_used = used;
    return 100.0 * used / Seconds(Clock::now() - t0);
  }

  void Sleep(milliseconds d) {
    const Clock::time_point until = Clock::now() + d;
    while (Clock::now() < until && !Cancelled()) std::this_thread::sleep_for(milliseconds(20));
  }

  void RunCpuOverhead() {
    store::EventWriter* writer = target_->Writer();
    if (writer == nullptr) {
      throw std::runtime_error("needs the store API in this process (run roseyd bench without --nats-url)");
    }
    const uint64_t count = static_cast<uint64_t>(spec_.EventCount());
    result_.target_rate = spec_.rate;
    Bots bots = ConnectBots(target_->NatsUrl(), 1, tag_);
    JoinUsers(bots, 1);
    ProcessUsage usage;
    usage.ExcludeThreads(bots.threads);
    usage.ExcludeThreads({static_cast<pid_t>(gettid())});  // this thread sends in both paths

    const double idle = CpuPercent(usage, [&] { Sleep(spec_.idle); });
    double nats_cpu_s = 0;
    ChatRun run;
    const double nats = CpuPercent(usage, [&] { run = SendChat(bots, &usage, spec_.rate, count); },
                                   &nats_cpu_s);
    RecordChatOutcome(run);

    // The same events, through the store API: straight into the writer.
    const uint64_t first = ReserveTraceIds(count);
    const Clock::time_point start = Clock::now() + kLead;
    CommitTracker direct(first, count, start, IntervalFor(spec_.rate));
    target_->AddCommitListener(&direct);
    double store_cpu_s = 0;
    const std::string user = User(0);
    const double store = CpuPercent(
        usage,
        [&] {
          DriveLoad(
              start, IntervalFor(spec_.rate), count, 1,
              [&](int, uint64_t i) {
                store::Event e{store::ChatMessage{user, "direct line " + std::to_string(i)}};
                e.unix_time = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count();
                e.received = Clock::now();
                e.trace_id = first + i;
                return writer->Submit(std::move(e));
              },
              [&] { return direct.Committed(); }, &usage, Cancelled(), nullptr);
          direct.WaitAll(Clock::now() + std::chrono::seconds(10));
        },
        &store_cpu_s);
    target_->RemoveCommitListener(&direct);

    const double per_event_nats = 1e6 * nats_cpu_s / static_cast<double>(std::max<uint64_t>(1, run.load.sent));
    const double per_event_store = 1e6 * store_cpu_s / static_cast<double>(std::max<uint64_t>(1, direct.Committed()));
    Figure("cpu_points_over_idle", nats - idle);
    Figure("cpu_percent_idle", idle);
    Figure("cpu_percent_nats", nats);
    Figure("cpu_percent_store_api", store);
    Figure("cpu_us_per_event_nats", per_event_nats);
    Figure("cpu_us_per_event_store_api", per_event_store);
    Figure("cpu_per_event_ratio_nats_to_store", per_event_store > 0 ? per_event_nats / per_event_store : 0);
    result_.note += (result_.note.empty() ? "" : "; ") +
                    std::string("service CPU: the process less the load generator's threads, "
                                "includes idle timers; per-event figures include the idle share");
  }

  void RunMemoryBaseline() {
    const uint64_t count = static_cast<uint64_t>(spec_.EventCount());
    result_.target_rate = spec_.rate;
    Bots bots = ConnectBots(target_->NatsUrl(), spec_.publishers, tag_);
    JoinUsers(bots, spec_.publishers);
    ProcessUsage usage;
    usage.ExcludeThreads(bots.threads);
    Sleep(spec_.idle);
    const double idle_rss = ProcessUsage::RssBytes();
    ChatRun run = SendChat(bots, &usage, spec_.rate, count);
    RecordChatOutcome(run);
    double peak = ProcessUsage::RssBytes();
    for (const auto& p : result_.timeline) peak = std::max(peak, p.rss_bytes);
    Figure("rss_idle_mib", idle_rss / (1 << 20));
    Figure("rss_peak_mib", peak / (1 << 20));
    Figure("rss_increase_percent", 100.0 * (peak - idle_rss) / idle_rss);
    Figure("lost", static_cast<double>(result_.lost));
    result_.note += (result_.note.empty() ? "" : "; ") +
                    std::string("RSS of the whole process (service and load generator), idle "
                                "measured with the bots connected");
  }

  void RunMemoryStability() {
    const uint64_t count = static_cast<uint64_t>(spec_.EventCount());
    result_.target_rate = spec_.rate;
    Bots bots = ConnectBots(target_->NatsUrl(), spec_.publishers, tag_);
    JoinUsers(bots, spec_.publishers);
    ProcessUsage usage;
    usage.ExcludeThreads(bots.threads);
    if (spec_.prefill > 0) {
      // SQLite's page cache (store cache_size) grows with the data until its
      // cap: fill it first, or a short window mistakes the fill for a leak.
      ChatRun fill = SendChat(bots, &usage, 0, static_cast<uint64_t>(spec_.prefill));
      result_.extra["prefill_events"] = static_cast<double>(fill.load.sent);
    }
    const int64_t before = CountsRows() ? CountChatRows() : 0;
    ChatRun run = SendChat(bots, &usage, spec_.rate, count);
    RecordChatOutcome(run);
    result_.persisted -= static_cast<uint64_t>(before);
    result_.lost = result_.sent > result_.persisted ? result_.sent - result_.persisted : 0;
    std::vector<std::pair<double, double>> total, anon;  // hours, MiB
    const double warmup_s = std::chrono::duration<double>(spec_.warmup).count();
    for (const auto& p : result_.timeline) {
      if (p.t_s < warmup_s) continue;
      total.emplace_back(p.t_s / 3600.0, p.rss_bytes / (1 << 20));
      anon.emplace_back(p.t_s / 3600.0, p.rss_anon_bytes / (1 << 20));
    }
    if (total.size() < 3) throw std::runtime_error("too few RSS samples after the warm-up");
    // The verdict is on the anonymous part: the database pages SQLite maps
    // grow RSS with the file, by design, up to store mmap_size.
    Figure("rss_slope_mib_per_hour", LeastSquaresSlope(anon));
    Figure("total_rss_slope_mib_per_hour", LeastSquaresSlope(total));
    Figure("rss_anon_first_mib", anon.front().second);
    Figure("rss_anon_last_mib", anon.back().second);
    Figure("rss_total_last_mib", total.back().second);
    result_.note += (result_.note.empty() ? "" : "; ") +
                    std::string("leak slope on RssAnon (heap); total RSS also holds the mapped "
                                "database file and SQLite's page cache filling up to its cap");
    Figure("lost", static_cast<double>(result_.lost));
    result_.extra["rss_samples"] = static_cast<double>(total.size());
  }

  void RunMixed() {
    const uint64_t count = static_cast<uint64_t>(spec_.EventCount());
    result_.target_rate = spec_.rate;
    const int users = std::max(spec_.publishers, 8);
    Bots bots = ConnectBots(target_->NatsUrl(), spec_.publishers + 1, tag_);  // +1 asks queries
    JoinUsers(bots, users);
    ProcessUsage usage;
    usage.ExcludeThreads(bots.threads);
    const uint64_t first = ReserveTraceIds(count);
    const Clock::time_point start = Clock::now() + kLead;
    CommitTracker tracker(first, count, start, IntervalFor(spec_.rate),
                          live_ ? live_->event_latency : nullptr, live_ ? live_->persisted : nullptr);
    target_->AddCommitListener(&tracker);
    if (live_) live_->target_rate->Set(spec_.rate);
    std::map<MixedKind, uint64_t> sent_by_kind;
    std::mutex sent_mu;
    const int64_t marker = 900000000 + static_cast<int64_t>(first % 1000000);  // user_count rows

    // Queries at a tenth of the event rate, alongside, from their own bot.
    const uint64_t queries = std::max<uint64_t>(1, count / 10);
    RequestStream stream(bots.connections.back().get(), target_->SubjectPrefix(), User(0), queries,
                         start, IntervalFor(spec_.rate / 10), live_ ? live_->request_latency : nullptr);
    LoadOutcome query_load;
    std::thread query_thread([&] {
      ProcessUsage unused;
      query_load = DriveLoad(start, IntervalFor(spec_.rate / 10), queries, 1,
                             [&](int, uint64_t i) { return stream.Send(i); },
                             [&] { return stream.Answered(); }, &unused, Cancelled(), nullptr);
    });
    const int lanes = spec_.publishers;
    LoadOutcome load = DriveLoad(
        start, IntervalFor(spec_.rate), count, lanes,
        [&](int lane, uint64_t i) {
          const MixedKind kind = MixedKindOf(i);
          const std::string user = User(static_cast<int>(i % static_cast<uint64_t>(users)));
          std::string payload;
          switch (kind) {
            case MixedKind::kChat: payload = ChatLinePayload(user, i, spec_.message_bytes); break;
            case MixedKind::kJoin:
            case MixedKind::kLeave: payload = UsernamePayload(user); break;
            case MixedKind::kHighWater: payload = HighWaterPayload(1, 1); break;
            case MixedKind::kPmCommand: payload = PmCommandPayload(user, i, i % 2 == 1); break;
            case MixedKind::kStatus: payload = StatusPayload(i); break;
            case MixedKind::kUserCount: payload = UserCountPayload(marker, marker); break;
            case MixedKind::kMarkSent: payload = MarkSentPayload(0); break;  // no row has id 0
          }
          Status s = bots.connections[static_cast<size_t>(lane)]->PublishTraced(
              Subject(MixedSubjectSuffix(kind)), payload, first + i);
          if (s.ok()) {
            std::lock_guard<std::mutex> lock(sent_mu);
            ++sent_by_kind[kind];
          }
          return s;
        },
        [&] { return tracker.Committed(); }, ServiceUsage(&usage), Cancelled(),
        live_ ? live_->sent : nullptr);
    query_thread.join();
    tracker.WaitQuiet(load.sent, milliseconds(2000), Clock::now() + std::chrono::seconds(30));
    stream.WaitReplies(query_load.sent, Clock::now() + std::chrono::seconds(5));
    target_->RemoveCommitListener(&tracker);

    result_.sent = load.sent;
    result_.persisted = tracker.Committed();
    result_.lost = result_.sent > result_.persisted ? result_.sent - result_.persisted : 0;
    result_.event_latency = ToResult(tracker.Latencies());
    result_.request_latency = ToResult(stream.Latencies());
    result_.failed_requests = stream.Failed(query_load.sent);
    result_.publish_call = ToResult(load.publish_call);
    result_.timeline = load.timeline;

    // Every table the events touch, counted (when the file can be read from here).
    int wrong = 0;
    if (CountsRows()) {
      const std::string& db = target_->DatabasePath();
      const auto check = [&](const std::string& what, int64_t want, int64_t got) {
        result_.extra[what + "_expected"] = static_cast<double>(want);
        result_.extra[what + "_found"] = static_cast<double>(got);
        if (want != got) {
          ++wrong;
          result_.note += (result_.note.empty() ? "" : "; ") + what + ": expected " +
                          std::to_string(want) + ", found " + std::to_string(got);
        }
      };
      const auto sent = [&](MixedKind k) { return static_cast<int64_t>(sent_by_kind[k]); };
      check("recent_chat_rows", sent(MixedKind::kChat), CountChatRows());
      check("user_stats_chat_lines", sent(MixedKind::kChat),
            QueryInt(db, "SELECT COALESCE(SUM(total_chat_lines),0) FROM user_stats WHERE username LIKE ?1 || '%'",
                     user_prefix_));
      check("user_stats_users", users,
            QueryInt(db, "SELECT COUNT(*) FROM user_stats WHERE username LIKE ?1 || '%'", user_prefix_));
      check("user_actions_pm_command", sent(MixedKind::kPmCommand),
            QueryInt(db, "SELECT COUNT(*) FROM user_actions WHERE action_type = 'pm_command' AND username LIKE ?1 || '%'",
                     user_prefix_));
      check("user_count_history_rows", sent(MixedKind::kUserCount),
            QueryInt(db, "SELECT COUNT(*) FROM user_count_history WHERE chat_users = " +
                             std::to_string(marker)));
      check("current_status_bot_name", sent(MixedKind::kStatus) > 0 ? 1 : 0,
            QueryInt(db, "SELECT COUNT(*) FROM current_status WHERE bot_name = 'roseyd-bench'"));
    } else {
      result_.note += (result_.note.empty() ? "" : "; ") +
                      std::string("rows not checked: no --db to read the service's database");
    }
    const Clock::time_point last = tracker.LastCommit();
    const double window = last > start ? Seconds(last - start) : 0;
    Figure("persisted_per_second", window > 0 ? static_cast<double>(result_.persisted) / window : 0);
    LatencyFigures(result_.event_latency->summary);
    Figure("request_p95_latency_ms", result_.request_latency->summary.p95_ms);
    Figure("lost", static_cast<double>(result_.lost));
    if (CountsRows()) Figure("rows_wrong", wrong);
    Figure("failed_requests", static_cast<double>(result_.failed_requests));
  }

  void RunRestart() {
    const uint64_t count = static_cast<uint64_t>(spec_.EventCount());
    result_.target_rate = spec_.rate;
    Bots bots = ConnectBots(target_->NatsUrl(), spec_.publishers, tag_);
    JoinUsers(bots, spec_.publishers);
    ProcessUsage usage;
    usage.ExcludeThreads(bots.threads);
    RestartTiming timing;
    std::string why;
    bool restarted = false;
    Clock::time_point stopped_at{};
    // The service runs the whole scenario in the mode asked for, and goes back
    // to its configured mode after it.
    const std::string& mode = spec_.durability;
    if (!mode.empty()) {
      RestartTiming unused;
      if (!target_->RestartService(&unused, &why, nullptr, mode)) {
        throw std::runtime_error("cannot switch the service to " + mode + ": " + why);
      }
    }
    struct Restore {
      BenchTarget* target;
      bool active;
      ~Restore() {
        RestartTiming unused;
        std::string ignored;
        if (active && !target->RestartService(&unused, &ignored, nullptr, "")) {
          spdlog::error("bench: could not put the service back in its own mode: {}", ignored);
        }
      }
    } restore{target_, !mode.empty()};
    ChatRun run = SendChat(bots, &usage, spec_.rate, count, [&](CommitTracker& tracker) {
      // A third of the way in, restart the service under the running load.
      std::this_thread::sleep_for(kLead + spec_.LoadDuration() / 3);
      if (Cancelled()) return;
      restarted = target_->RestartService(
          &timing, &why,
          [&] {
            stopped_at = Clock::now();
            tracker.WatchFrom(stopped_at);  // any commit from now on is the new writer's
          },
          mode);
    });
    if (!restarted) throw std::runtime_error("cannot restart the service: " + why);
    RecordChatOutcome(run);
    const Clock::time_point first = run.tracker->FirstCommitAfterWatch();
    Figure("stop_ms", Millis(stopped_at - timing.began));
    Figure("start_to_ready_ms", Millis(timing.ready - stopped_at));
    Figure("ready_to_first_commit_ms",
           first == Clock::time_point{} ? INFINITY : std::max(0.0, Millis(first - timing.ready)));
    Figure("restart_to_first_commit_ms",
           first == Clock::time_point{} ? INFINITY : Millis(first - timing.began));
    Figure("lost", static_cast<double>(result_.lost));
    result_.note += (result_.note.empty() ? "" : "; ") +
                    std::string("the service restarts inside this process (subscription, writer, "
                                "database); ") +
                    (mode == "jetstream"
                         ? "durable mode: events published meanwhile wait in the stream"
                         : "events published while it is unsubscribed are lost on core NATS "
                           "and counted");
  }

  void RunCapacity() {
    Bots bots = ConnectBots(target_->NatsUrl(), spec_.publishers, tag_);
    JoinUsers(bots, spec_.publishers);
    ProcessUsage usage;
    usage.ExcludeThreads(bots.threads);
    double best = 0;
    LatencyHistogram all;
    for (const double rate : spec_.rates) {
      if (Cancelled()) break;
      const auto count = static_cast<uint64_t>(rate * std::chrono::duration<double>(spec_.step).count());
      const int64_t before = CountsRows() ? CountChatRows() : 0;
      ChatRun run = SendChat(bots, &usage, rate, count);
      const int64_t persisted = CountsRows() ? CountChatRows() - before
                                             : static_cast<int64_t>(run.tracker->Committed());
      const uint64_t lost = run.load.sent > static_cast<uint64_t>(persisted)
                                ? run.load.sent - static_cast<uint64_t>(persisted)
                                : 0;
      const LatencySummary s = Summarize(run.tracker->Latencies());
      result_.sent += run.load.sent;
      result_.persisted += static_cast<uint64_t>(persisted);
      all.Merge(run.tracker->Latencies());
      for (auto p : run.load.timeline) {
        p.t_s += result_.timeline.empty() ? 0 : result_.timeline.back().t_s;
        result_.timeline.push_back(p);
      }
      const std::string at = "at_" + std::to_string(static_cast<int64_t>(rate));
      result_.extra[at + "_p99_ms"] = s.p99_ms;
      result_.extra[at + "_lost"] = static_cast<double>(lost);
      spdlog::info("capacity: {:.0f} ev/s offered: p99 {:.2f} ms, {} lost", rate, s.p99_ms, lost);
      if (s.p99_ms > spec_.p99_target_ms || lost > 0) break;
      best = rate;
    }
    result_.lost = result_.sent > result_.persisted ? result_.sent - result_.persisted : 0;
    result_.event_latency = ToResult(all);
    Figure("capacity_events_per_second", best);
    result_.note += (result_.note.empty() ? "" : "; ") + std::string("highest rate tried with p99 under ") +
                    std::to_string(static_cast<int>(spec_.p99_target_ms)) + " ms and nothing lost";
  }

  Runner* const runner_;
  const ScenarioSpec& spec_;
  BenchTarget* const target_;
  const std::string tag_;
  const std::string user_prefix_;
  std::optional<LoadgenMetrics::Live> live_;
  ScenarioResult result_;
};

void Judge(const ScenarioSpec& spec, ScenarioResult* result) {
  Verdict worst = Verdict::kPass;
  bool judged = false;
  for (const TargetSpec& t : spec.targets) {
    auto it = std::find_if(result->figures.begin(), result->figures.end(),
                           [&](const Figure& f) { return f.metric == t.metric; });
    if (it == result->figures.end()) {
      result->figures.push_back(Figure{t.metric, 0, t.value, t.comparison, Verdict::kNotRun, 0});
      worst = std::max(worst, Verdict::kNotRun);
      judged = true;
      continue;
    }
    it->target = t.value;
    it->comparison = t.comparison;
    it->verdict = report::Judge(it->value, t.value, t.comparison);
    it->headroom = Headroom(it->value, t.value, t.comparison);
    worst = std::max(worst, it->verdict);
    judged = true;
  }
  result->status = judged ? worst : Verdict::kPass;
}

Runner::Runner(BenchTarget* target, LoadgenMetrics* metrics) : target_(target), metrics_(metrics) {}

std::string Runner::CurrentScenario() const {
  std::lock_guard<std::mutex> lock(current_mu_);
  return current_;
}

ScenarioResult Runner::RunScenario(const ScenarioSpec& spec) {
  {
    std::lock_guard<std::mutex> lock(current_mu_);
    current_ = spec.name;
  }
  spdlog::info("bench: scenario {} starting", spec.name);
  ScenarioResult result = Scenario(this, spec).Run();
  spdlog::info("bench: scenario {} {} in {:.1f} s (sent {}, persisted {}, lost {}){}", spec.name,
               VerdictName(result.status), result.duration_s, result.sent, result.persisted,
               result.lost, result.note.empty() ? "" : ": " + result.note);
  if (metrics_) metrics_->Publish(result);
  {
    std::lock_guard<std::mutex> lock(current_mu_);
    current_.clear();
  }
  return result;
}

RunReport Runner::RunSuite(const ScenarioCatalog& catalog, const RunRequest& request,
                           const std::function<void(const ScenarioResult&)>& on_done) {
  RunReport report;
  report.suite = request.scenarios.empty() ? request.suite : "custom";
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  report.started_utc = buf;
  const Clock::time_point began = Clock::now();

  std::vector<std::string> names = request.scenarios;
  if (names.empty()) {
    const auto it = catalog.suites.find(request.suite);
    if (it == catalog.suites.end()) throw std::invalid_argument("no suite named '" + request.suite + "'");
    names = it->second;
  }
  for (const std::string& name : names) {
    ScenarioSpec spec = catalog.Get(name, request.suite);
    ScenarioResult result;
    if (cancelled_) {
      result.name = spec.name;
      result.category = spec.category;
      result.priority = spec.priority;
      result.description = spec.description;
      result.note = "cancelled before it started";
    } else if (request.max_rate &&
               std::max(spec.rate, spec.rates.empty() ? 0.0
                                                      : *std::max_element(spec.rates.begin(), spec.rates.end())) >
                   *request.max_rate) {
      result.name = spec.name;
      result.note = "refused: rate above bench.control.max_rate";
    } else if (request.max_duration && spec.LoadDuration() > *request.max_duration) {
      result.name = spec.name;
      result.note = "refused: duration above bench.control.max_duration";
    } else {
      result = RunScenario(spec);
    }
    if (on_done) on_done(result);
    report.scenarios.push_back(std::move(result));
  }
  report.duration_s = Seconds(Clock::now() - began);
  return report;
}

}  // namespace roseyd::loadgen
