#include "loadgen/runner.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <exception>
#include <stdexcept>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <spdlog/spdlog.h>

#include "loadgen/bot_probe.h"
#include "loadgen/environment.h"
#include "loadgen/noise_monitor.h"
#include "loadgen/process_usage.h"
#include "loadgen/scenarios/registry.h"
#include "loadgen/scenarios/scenario_context.h"

namespace roseyd::loadgen {

namespace {

using report::Figure;
using report::ScenarioResult;
using report::Verdict;
using report::VerdictName;

// What a reader must know about figures taken from another process.
void NoteRemoteFigures(ScenarioContext* ctx) {
  if (ctx->target()->ServiceInProcess()) return;
  std::string note;
  if (ctx->spec().kind != ScenarioKind::kRequests) {
    note = "event latency runs to the arrival of the service's commit acknowledgement "
           "(one NATS hop after the commit)";
    if (!ctx->CountsRows()) {
      note += "; persisted counted from those acknowledgements (no --db to count rows in)";
    }
  }
  note += std::string(note.empty() ? "" : "; ") +
          "timeline CPU and RSS not measured (the service is another process)";
  ctx->AddNote(note);
}

// Scenarios that load the machine as hard as they can (or run valgrind
// beside it): they raise the echo floor by their own weight, so their noise
// is judged from steal alone.
bool Saturating(const ScenarioSpec& spec) {
  return spec.kind == ScenarioKind::kBurst || spec.kind == ScenarioKind::kCapacity ||
         spec.kind == ScenarioKind::kCost ||
         (spec.kind == ScenarioKind::kMemoryStability && spec.prefill > 0);
}

// Figures bounded by wall-clock time: a miss of theirs may be the machine's
// doing. Counts (lost, failed_requests, rows_wrong) and memory never are.
bool TimingBound(const std::string& metric) {
  return metric.ends_with("_latency_ms") || metric == "ready_to_first_commit_ms" ||
         metric == "all_persisted_s" || metric == "capacity_events_per_second";
}

// The scenario's noise window, opened when it starts; Close judges it
// against the idle floor once, on whichever path the scenario leaves by.
class ScenarioWindow {
 public:
  ScenarioWindow(NoiseMonitor* noise, const report::NoiseWindow* idle, bool saturating)
      : noise_(idle ? noise : nullptr),
        idle_(idle),
        saturating_(saturating),
        id_(noise_ ? noise_->Open() : 0) {}
  ~ScenarioWindow() {
    if (noise_ && !closed_) (void)noise_->Close(id_);
  }
  ScenarioWindow(const ScenarioWindow&) = delete;
  ScenarioWindow& operator=(const ScenarioWindow&) = delete;

  void Close(ScenarioResult* result) {
    if (noise_ == nullptr || closed_) return;
    closed_ = true;
    result->noise = JudgeNoise(*idle_, noise_->Close(id_), saturating_);
  }

 private:
  NoiseMonitor* const noise_;
  const report::NoiseWindow* const idle_;
  const bool saturating_;
  const NoiseMonitor::WindowId id_;
  bool closed_ = false;
};

// Runs the scenario of `spec`'s kind and judges it (a timing target missed
// while the floor moved against `idle` is DISTURBED); never throws. `noise`
// may be null: no noise is recorded.
ScenarioResult RunAndJudge(const ScenarioSpec& spec, ScenarioContext* ctx, NoiseMonitor* noise,
                           const report::NoiseWindow* idle) {
  const ScenarioClock::time_point began = ScenarioClock::now();
  const LoadgenMetrics::Live* live = ctx->live();
  ScenarioResult& result = ctx->result();
  if (live) live->running->Set(1);
  const ScenarioEntry& entry = ScenarioFor(spec.kind);
  ScenarioWindow window(noise, idle, Saturating(spec));
  try {
    if (entry.in_process_only != nullptr && !ctx->target()->ServiceInProcess()) {
      // Not a failure of the service: this run cannot measure it.
      result.status = Verdict::kNotRun;
      result.inapplicable = true;
      result.note = std::string("not run: the service is another process and ") +
                    entry.in_process_only + " (run roseyd bench without --nats-url)";
      spdlog::info("scenario {}: {}", spec.name, result.note);
    } else {
      entry.run(ctx);
      window.Close(&result);
      Judge(spec, &result);
      NoteRemoteFigures(ctx);
    }
  } catch (const Inapplicable& e) {
    result.status = Verdict::kNotRun;
    result.inapplicable = true;
    result.note = std::string("not run: ") + e.what();
    spdlog::info("scenario {}: {}", spec.name, result.note);
  } catch (const std::exception& e) {
    result.status = Verdict::kNotRun;
    result.note = std::string("could not run: ") + e.what();
    spdlog::error("scenario {}: {}", spec.name, result.note);
  }
  window.Close(&result);
  ctx->NoteNatsErrors();
  if (ctx->cancelled()) {
    result.status = Verdict::kCancelled;
    result.note = "cancelled" + (result.note.empty() ? "" : "; " + result.note);
  }
  result.duration_s = Seconds(ScenarioClock::now() - began);
  if (live) {
    live->running->Set(0);
    live->target_rate->Set(0);
    live->lost->Increment(static_cast<double>(result.lost));
  }
  return result;
}

// The highest rate `spec` offers.
double MaxRate(const ScenarioSpec& spec) {
  return std::max(spec.rate,
                  spec.rates.empty() ? 0.0 : *std::max_element(spec.rates.begin(), spec.rates.end()));
}

}  // namespace

void Judge(const ScenarioSpec& spec, ScenarioResult* result) {
  const bool moved = result->noise && result->noise->moved;
  Verdict worst = Verdict::kPass;
  bool judged = false;
  for (const TargetSpec& t : spec.targets) {
    auto it = std::find_if(result->figures.begin(), result->figures.end(),
                           [&](const Figure& f) { return f.metric == t.metric; });
    if (it == result->figures.end()) {
      result->figures.push_back(Figure{t.metric, 0, t.value, t.comparison, Verdict::kNotRun, 0});
      worst = report::WorseVerdict(worst, Verdict::kNotRun);
      judged = true;
      continue;
    }
    it->target = t.value;
    it->comparison = t.comparison;
    it->verdict = report::Judge(it->value, t.value, t.comparison);
    it->headroom = report::Headroom(it->value, t.value, t.comparison);
    // A finite miss of a timing target while the floor moved: the run cannot
    // tell roseyd's share of it. An infinite one (nothing committed after a
    // restart, a burst that lost events) is no matter of timing.
    if (moved && TimingBound(t.metric) && std::isfinite(it->value) &&
        (it->verdict == Verdict::kWarn || it->verdict == Verdict::kFail)) {
      it->verdict = Verdict::kDisturbed;
    }
    worst = report::WorseVerdict(worst, it->verdict);
    judged = true;
  }
  result->status = judged ? worst : Verdict::kPass;
}

void ApplyOverrides(const RunRequest& request, ScenarioSpec* spec, std::string* note) {
  if (spec->kind == ScenarioKind::kBurst || spec->kind == ScenarioKind::kCapacity) return;
  std::string changed;
  if (request.rate) {
    spec->rate = *request.rate;
    changed = "rate " + std::to_string(static_cast<int64_t>(*request.rate)) + " ev/s";
  }
  if (request.duration) {
    spec->duration = *request.duration;
    spec->events = 0;  // the duration decides the count
    changed += (changed.empty() ? "" : ", ") + std::string("duration ") +
               std::to_string(request.duration->count()) + " ms";
  }
  if (!changed.empty()) *note = "set by the request: " + changed;
}

Runner::Runner(BenchTarget* target, LoadgenMetrics* metrics) : target_(target), metrics_(metrics) {}

std::string Runner::CurrentScenario() const {
  MutexLock lock(&current_mu_);
  return current_;
}

RunProgress Runner::Progress() const {
  MutexLock lock(&current_mu_);
  RunProgress p;
  p.scenario = current_;
  p.index = index_;
  p.total = total_;
  const auto now = ScenarioClock::now();
  if (run_began_ != ScenarioClock::time_point{}) p.run_elapsed_s = Seconds(now - run_began_);
  if (!current_.empty()) p.scenario_elapsed_s = Seconds(now - scenario_began_);
  if (live_ && !current_.empty()) {
    // Persisted first: every event counted persisted was counted sent
    // before (DriveLoad counts a send before it goes), so reading sent after
    // can only find as many or more. Read the other way round, a commit
    // between the two reads showed persisted above sent.
    p.persisted = static_cast<uint64_t>(live_->persisted->Value() - persisted_at_start_);
    p.sent = static_cast<uint64_t>(live_->sent->Value() - sent_at_start_);
  }
  return p;
}

void Runner::SetCurrent(const std::string& name, int index,
                        const std::optional<LoadgenMetrics::Live>& live) {
  MutexLock lock(&current_mu_);
  current_ = name;
  if (name.empty()) return;
  index_ = index;
  scenario_began_ = ScenarioClock::now();
  live_ = live;
  sent_at_start_ = live ? live->sent->Value() : 0;
  persisted_at_start_ = live ? live->persisted->Value() : 0;
}

ScenarioResult Runner::RunScenario(const ScenarioSpec& spec) {
  std::optional<LoadgenMetrics::Live> live;
  if (metrics_) live = metrics_->ForScenario(spec.name);
  int index = 0;
  {
    MutexLock lock(&current_mu_);
    index = index_ + 1;
  }
  SetCurrent(spec.name, index, live);
  spdlog::info("bench: scenario {} starting", spec.name);
  ScenarioContext context(spec, target_, live, cancelled_);
  context.SetNoise(noise_);
  context.ExcludeFromServiceCpu(run_threads_);
  ScenarioResult result =
      RunAndJudge(spec, &context, noise_, idle_floor_ ? &*idle_floor_ : nullptr);
  spdlog::info("bench: scenario {} {} in {:.1f} s (sent {}, persisted {}, lost {}){}", spec.name,
               VerdictName(result.status), result.duration_s, result.sent, result.persisted,
               result.lost, result.note.empty() ? "" : ": " + result.note);
  if (metrics_) metrics_->Publish(result);
  SetCurrent("", 0, std::nullopt);
  return result;
}

report::RunReport Runner::RunSuite(const ScenarioCatalog& catalog, const RunRequest& request,
                                   const std::function<void(const ScenarioResult&)>& on_done) {
  report::RunReport report;
  report.suite = request.scenarios.empty() ? request.suite : "custom";
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  report.started_utc = buf;
  const ScenarioClock::time_point began = ScenarioClock::now();

  std::vector<std::string> names = request.scenarios;
  if (names.empty()) {
    const auto it = catalog.suites.find(request.suite);
    if (it == catalog.suites.end()) throw std::invalid_argument("no suite named '" + request.suite + "'");
    names = it->second;
  }
  for (const std::string& name : names) (void)catalog.Get(name, request.suite);  // throws first
  {
    MutexLock lock(&current_mu_);
    run_began_ = began;
    index_ = 0;
    total_ = static_cast<int>(names.size());
  }
  report.environment = DescribeEnvironment(target_->ConfigUsed());

  std::string why_not;
  try {
    target_->BeginRun();
  } catch (const std::exception& e) {
    why_not = e.what();
    spdlog::error("bench: cannot begin the run: {}", why_not);
  }
  std::optional<BotProbe> probe;
  const std::string bot_prefix = target_->BotSubjectPrefix();
  run_threads_.clear();
  if (why_not.empty() && request.bot_probe_rate > 0 && !bot_prefix.empty()) {
    const std::set<pid_t> before = ProcessUsage::Threads();
    try {
      bus::ConnectionOptions options = target_->ClientOptions();
      options.name = "roseyd-bench";
      probe.emplace(options, bot_prefix, request.bot_probe_rate);
      report.bot_service.emplace();
      probe->MeasureIdle(request.bot_probe_idle, cancelled_, &*report.bot_service);
      probe->Start();
      // Its connection's threads and its own: the load generator's CPU.
      for (const pid_t tid : ProcessUsage::Threads()) {
        if (before.count(tid) == 0) run_threads_.insert(tid);
      }
    } catch (const std::exception& e) {
      spdlog::warn("bench: cannot probe the bot's service on {}.*: {}", bot_prefix, e.what());
      probe.reset();
      report.bot_service.reset();
    }
  }
  std::unique_ptr<NoiseMonitor> noise;
  if (why_not.empty()) noise = StartNoise(&report);
  const NoiseMonitor::WindowId run_window = noise ? noise->Open() : 0;
  if (why_not.empty()) {
    RunScenarios(catalog, request, names, on_done, &report);
  } else {
    for (const std::string& name : names) {
      const ScenarioSpec spec = catalog.Get(name, request.suite);
      ScenarioResult result;
      result.name = spec.name;
      result.category = spec.category;
      result.priority = spec.priority;
      result.description = spec.description;
      result.note = "could not run: the load generator's service instance did not start: " + why_not;
      if (on_done) on_done(result);
      report.scenarios.push_back(std::move(result));
    }
  }
  if (noise) {
    report.noise->run = noise->Close(run_window);
    noise_ = nullptr;
    idle_floor_.reset();
    noise->Stop();
  }
  if (probe) probe->Stop(&*report.bot_service);
  target_->EndRun();
  report.cancelled = cancelled_;
  report.duration_s = Seconds(ScenarioClock::now() - began);
  return report;
}

std::unique_ptr<NoiseMonitor> Runner::StartNoise(report::RunReport* report) {
  std::unique_ptr<NoiseMonitor> noise;
  try {
    bus::ConnectionOptions options = target_->ClientOptions();
    options.name = "roseyd-bench";
    noise = std::make_unique<NoiseMonitor>(options);
  } catch (const std::exception& e) {
    // The run goes on; its report says nothing of noise rather than guess.
    spdlog::warn("bench: cannot measure the NATS echo floor on {}: {}",
                 bus::RedactUrl(target_->NatsUrl()), e.what());
    return nullptr;
  }
  noise->Start();
  run_threads_.insert(noise->Threads().begin(), noise->Threads().end());
  report::RunNoise summary;
  summary.subject = noise->Subject();
  summary.probe_rate = noise->rate();
  summary.rule = NoiseRuleText();
  summary.idle = noise->MeasureIdle(kIdleFloorWindow, cancelled_);
  spdlog::info(
      "bench: idle NATS echo floor p50 {:.3f} ms, p99 {:.3f} ms ({} probes), steal {:.1f} %",
      summary.idle.floor_p50_ms, summary.idle.floor_p99_ms, summary.idle.floor_n,
      summary.idle.steal_percent);
  report->noise = summary;
  idle_floor_ = summary.idle;
  noise_ = noise.get();
  return noise;
}

void Runner::RunScenarios(const ScenarioCatalog& catalog, const RunRequest& request,
                          const std::vector<std::string>& names,
                          const std::function<void(const ScenarioResult&)>& on_done,
                          report::RunReport* report) {
  for (const std::string& name : names) {
    ScenarioSpec spec = catalog.Get(name, request.suite);
    std::string overridden;
    ApplyOverrides(request, &spec, &overridden);
    ScenarioResult result;
    if (cancelled_) {
      result.name = spec.name;
      result.category = spec.category;
      result.priority = spec.priority;
      result.description = spec.description;
      result.status = Verdict::kCancelled;
      result.note = "cancelled before it started";
    } else if (request.max_rate && MaxRate(spec) > *request.max_rate) {
      result.name = spec.name;
      result.note = "refused: rate above bench.control.max_rate";
    } else if (request.max_duration && spec.LoadDuration() > *request.max_duration) {
      result.name = spec.name;
      result.note = "refused: duration above bench.control.max_duration";
    } else {
      result = RunScenario(spec);
      if (!overridden.empty()) {
        result.note = overridden + (result.note.empty() ? "" : "; " + result.note);
      }
    }
    {
      MutexLock lock(&current_mu_);
      index_ = static_cast<int>(report->scenarios.size()) + 1;
    }
    if (on_done) on_done(result);
    report->scenarios.push_back(std::move(result));
  }
}

}  // namespace roseyd::loadgen
