#include "loadgen/scenarios/scenario_context.h"

#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include <prometheus/gauge.h>

#include "base/startup_error.h"
#include "bus/connection.h"
#include "loadgen/payloads.h"
#include "store/bench_store.h"

namespace roseyd::loadgen {

namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

// A unique tag per scenario run, so its users and rows are its own.
std::string RunTag() {
  static std::atomic<uint64_t> n{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count() % 100000000) +
         "x" + std::to_string(n.fetch_add(1));
}

}  // namespace

uint64_t LostEvents(uint64_t sent, uint64_t persisted) {
  return sent > persisted ? sent - persisted : 0;
}

nanoseconds IntervalFor(double rate) {
  return rate > 0 ? nanoseconds(static_cast<int64_t>(1e9 / rate)) : nanoseconds(0);
}

double Seconds(ScenarioClock::duration d) { return std::chrono::duration<double>(d).count(); }

double Millis(ScenarioClock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

report::LatencyResult LatencyResultOf(const report::LatencyHistogram& histogram) {
  return report::LatencyResult{report::Summarize(histogram), histogram.NonEmptyBuckets()};
}

ScopedCommitListener::ScopedCommitListener(BenchTarget* target, store::CommitListener* listener)
    : target_(target), listener_(listener) {
  target_->AddCommitListener(listener_);
}

void ScopedCommitListener::Remove() {
  if (target_ == nullptr) return;
  target_->RemoveCommitListener(listener_);
  target_ = nullptr;
}

ScenarioContext::ScenarioContext(const ScenarioSpec& spec, BenchTarget* target,
                                 std::optional<LoadgenMetrics::Live> live,
                                 const std::atomic<bool>& cancelled)
    : spec_(spec),
      target_(target),
      live_(live),
      cancelled_(cancelled),
      tag_(RunTag()),
      user_prefix_("bench" + tag_ + "-"),
      bot_errors_("scenario " + spec.name + ", its bots") {
  result_.name = spec.name;
  result_.category = spec.category;
  result_.description = spec.description;
  result_.priority = spec.priority;
}

std::string ScenarioContext::User(int i) const { return user_prefix_ + "p" + std::to_string(i); }

std::string ScenarioContext::Subject(const char* suffix) const {
  return target_->SubjectPrefix() + "." + suffix;
}

Bots ScenarioContext::StartBots(int bots, int users) {
  Bots out;
  // Threads that appear while the bots connect are theirs (cnats starts a
  // few per connection): their CPU is the load generator's, not the service's.
  const std::set<pid_t> before = ProcessUsage::Threads();
  for (int i = 0; i < bots; ++i) {
    bus::ConnectionOptions options = target_->ClientOptions();
    options.name = "roseyd-bench-" + tag_ + "-" + std::to_string(i);
    options.send_asap = !spec_.buffered_sends;  // a bot's event goes out when it happens
    options.retry_on_failed_connect = false;
    out.connections.push_back(std::make_unique<bus::Connection>(options, &bot_errors_));
  }
  std::set<pid_t> threads;
  for (const pid_t tid : ProcessUsage::Threads()) {
    if (before.count(tid) == 0) threads.insert(tid);
  }
  JoinUsers(&out, users);
  out.usage.ExcludeThreads(threads);
  out.usage.ExcludeThreads(run_threads_);
  return out;
}

void ScenarioContext::JoinUsers(Bots* bots, int users) {
  std::unique_ptr<CommitTracker> joins =
      NewTracker(static_cast<uint64_t>(users), ScenarioClock::now(), nanoseconds(0), false);
  ScopedCommitListener listening(target_, joins.get());
  for (int i = 0; i < users; ++i) {
    auto& connection = *bots->connections[static_cast<size_t>(i) % bots->connections.size()];
    (void)connection.PublishTraced(Subject("user.joined"), UsernamePayload(User(i)),
                                   joins->first_id() + static_cast<uint64_t>(i));
  }
  const bool all = joins->WaitAll(ScenarioClock::now() + std::chrono::seconds(10), &cancelled_);
  listening.Remove();
  if (!all && cancelled_) throw std::runtime_error("cancelled while the bots joined");
  if (!all) throw std::runtime_error("the bots' user.joined events did not commit within 10 s");
}

ProcessUsage* ScenarioContext::ServiceUsage(Bots* bots) const {
  return target_->ServiceInProcess() ? &bots->usage : nullptr;
}

std::unique_ptr<CommitTracker> ScenarioContext::NewTracker(uint64_t count,
                                                           ScenarioClock::time_point start,
                                                           nanoseconds interval, bool live) const {
  const bool with_metrics = live && live_.has_value();
  return std::make_unique<CommitTracker>(ReserveTraceIds(count), count, start, interval,
                                         with_metrics ? live_->event_latency : nullptr,
                                         with_metrics ? live_->persisted : nullptr);
}

ChatRun ScenarioContext::SendChat(Bots* bots, double rate, uint64_t count,
                                  const std::function<void(CommitTracker&)>& during) {
  ChatRun run;
  run.start = ScenarioClock::now() + kLead;
  run.tracker = NewTracker(count, run.start, IntervalFor(rate), true);
  const uint64_t first = run.tracker->first_id();
  ScopedCommitListener listening(target_, run.tracker.get());
  if (live_) live_->target_rate->Set(rate);
  const int lanes = static_cast<int>(bots->connections.size());
  std::thread side;
  if (during) side = std::thread([&] { during(*run.tracker); });
  run.load = DriveLoad(
      run.start, IntervalFor(rate), count, lanes,
      [&](int lane, uint64_t i) {
        return bots->connections[static_cast<size_t>(lane)]->PublishTraced(
            Subject("message.log"), ChatLinePayload(User(lane), i, spec_.message_bytes), first + i);
      },
      [&] { return run.tracker->Committed(); }, ServiceUsage(bots), cancelled_,
      live_ ? live_->sent : nullptr, timeline_interval_);
  if (side.joinable()) side.join();
  // Everything sent should commit within a few batch delays; give stragglers
  // up to 2 s of silence, then count what the database holds.
  run.tracker->WaitQuiet(run.load.sent, milliseconds(2000),
                         ScenarioClock::now() + std::chrono::seconds(30), &cancelled_);
  listening.Remove();
  return run;
}

void ScenarioContext::RecordChatOutcome(const ChatRun& run) {
  result_.sent += run.load.sent;
  SetPersisted(CountsRows() ? static_cast<uint64_t>(CountChatRows())
                            : result_.persisted + run.tracker->Committed());
  result_.event_latency = LatencyResultOf(run.tracker->Latencies());
  result_.publish_call = LatencyResultOf(run.load.publish_call);
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

void ScenarioContext::SetPersisted(uint64_t persisted) {
  result_.persisted = persisted;
  result_.lost = LostEvents(result_.sent, result_.persisted);
}

int64_t ScenarioContext::CountChatRows() const {
  return CountRows([&](store::BenchCounts& counts, int64_t* n) {
    return counts.RecentChatRows(user_prefix_, n);
  });
}

int64_t ScenarioContext::CountRows(
    const std::function<Status(store::BenchCounts&, int64_t*)>& count) const {
  const std::string& path = target_->DatabasePath();
  // A fresh read-only connection per count: nothing is held across the
  // scenario (the restart scenario reopens the service's file under it).
  std::unique_ptr<store::BenchCounts> counts;
  try {
    counts = store::OpenBenchCounts(path);
  } catch (const StartupError& e) {
    throw std::runtime_error(std::string("cannot count rows: ") + e.what());
  }
  int64_t n = 0;
  const Status s = count(*counts, &n);
  if (!s.ok()) throw std::runtime_error("counting rows in " + path + " failed: " + s.ToString());
  return n;
}

void ScenarioContext::AddFigure(const std::string& metric, double value) {
  report::Figure figure;
  figure.metric = metric;
  figure.value = value;
  result_.figures.push_back(std::move(figure));
}

void ScenarioContext::LatencyFigures(const report::LatencySummary& s) {
  AddFigure("mean_latency_ms", s.mean_ms);
  AddFigure("p50_latency_ms", s.median_ms);
  AddFigure("p95_latency_ms", s.p95_ms);
  AddFigure("p99_latency_ms", s.p99_ms);
  AddFigure("max_latency_ms", s.max_ms);
}

void ScenarioContext::AddNote(const std::string& note) {
  if (note.empty()) return;
  result_.note += (result_.note.empty() ? "" : "; ") + note;
}

void ScenarioContext::NoteNatsErrors() {
  const std::string bots = bot_errors_.TakeSummary();
  AddNote(bots.empty() ? "" : "the bots' connections: " + bots);
  const std::string target = target_->TakeNatsErrors();
  AddNote(target.empty() ? "" : "the service's connection: " + target);
}

void ScenarioContext::AddMarker(ScenarioClock::time_point origin, ScenarioClock::time_point at,
                                const std::string& label) {
  result_.markers.push_back(report::Marker{Seconds(at - origin), label});
}

void ScenarioContext::Sleep(milliseconds d) const {
  const ScenarioClock::time_point until = ScenarioClock::now() + d;
  while (ScenarioClock::now() < until && !cancelled_) {
    std::this_thread::sleep_for(milliseconds(20));
  }
}

}  // namespace roseyd::loadgen
