#include "loadgen/noise_monitor.h"

#include <algorithm>
#include <string>
#include <vector>

#include "bus/subscription.h"
#include "loadgen/open_loop.h"
#include "loadgen/process_usage.h"
#include "loadgen/scenarios/scenario_context.h"
#include "report/figure_text.h"

namespace roseyd::loadgen {

namespace {

using Clock = std::chrono::steady_clock;
using report::Num;

// Probes of a run: enough for a day at the rate.
constexpr double kDaySeconds = 24 * 3600;
// How often the load average is read; it is itself a 1-minute average.
constexpr std::chrono::seconds kLoadEvery{1};
// Before the idle window: the probe's first sends and the connections'
// first round trips settle.
constexpr std::chrono::milliseconds kSettle{200};

bus::ConnectionOptions EchoOptions(const bus::ConnectionOptions& options, const char* role) {
  bus::ConnectionOptions o = options;
  o.name = options.name + "-noise-" + role;
  o.send_asap = true;  // an echo and a probe leave when they are due, not batched
  o.retry_on_failed_connect = false;
  return o;
}

}  // namespace

report::ScenarioNoise JudgeNoise(const report::NoiseWindow& idle, const report::NoiseWindow& window,
                                 bool saturating) {
  report::ScenarioNoise noise;
  noise.window = window;
  noise.by_steal_only = saturating;
  std::vector<std::string> why;
  if (window.steal_percent > kStealPercent) {
    why.push_back("CPU steal " + Num(window.steal_percent) + " % of all CPU time");
  }
  if (!saturating && idle.floor_n >= kMinFloorProbes && window.floor_n >= kMinFloorProbes) {
    const double limit =
        std::max(idle.floor_p99_ms * kFloorRatio, idle.floor_p99_ms + kFloorMarginMs);
    if (window.floor_p99_ms > limit) {
      why.push_back("echo floor p99 " + Num(window.floor_p99_ms) + " ms against " +
                    Num(idle.floor_p99_ms) + " ms idle");
    }
  }
  noise.moved = !why.empty();
  for (const std::string& w : why) noise.why += (noise.why.empty() ? "" : "; ") + w;
  return noise;
}

std::string NoiseRuleText() {
  return "a scenario's echo floor p99 exceeded both " + Num(kFloorRatio) +
         " × the idle floor's p99 and the idle p99 + " + Num(kFloorMarginMs) +
         " ms (each over at least " + std::to_string(kMinFloorProbes) +
         " probes), or CPU steal exceeded " + Num(kStealPercent) +
         " % of all CPU time; the scenarios that load the machine themselves (burst, capacity, "
         "the cost counts, a memory run with a prefill) raise the echo by their own load and "
         "are judged on steal alone";
}

NoiseMonitor::NoiseMonitor(const bus::ConnectionOptions& options, double rate)
    : rate_(rate),
      subject_(bus::Connection::NewInbox()),
      inbox_(bus::Connection::NewInbox()),
      threads_before_(ProcessUsage::Threads()) {
  // An inbox subject: nobody else subscribes to it (a subject under the
  // service's prefix would reach the service, which takes "<prefix>.>"),
  // and a benchmark's user may already use inboxes (the permissions of docs/CONFIGURATION.md).
  responder_ = std::make_unique<bus::Connection>(EchoOptions(options, "echo"));
  prober_ = std::make_unique<bus::Connection>(EchoOptions(options, "probe"));
  bus::Connection* responder = responder_.get();
  echo_ = responder_->Subscribe(subject_, "", [responder](const bus::Message& m) {
    if (!m.reply.empty()) (void)responder->Publish(m.reply, m.data);
  });
  replies_ = prober_->Subscribe(inbox_ + ".*", "", [this](const bus::Message& m) { OnReply(m); });
  // Both subscriptions are on the server before the first probe.
  (void)responder_->Flush(std::chrono::seconds(2));
  (void)prober_->Flush(std::chrono::seconds(2));
}

NoiseMonitor::~NoiseMonitor() {
  Stop();
  // Their handlers use mu_ and open_, declared after them: unsubscribe (and
  // wait for a running handler) before those go.
  replies_.reset();
  echo_.reset();
}

void NoiseMonitor::Start() {
  if (probe_.joinable()) return;
  const Clock::time_point start = Clock::now() + kLead;
  {
    MutexLock lock(&mu_);
    probe_start_ = start;
  }
  const auto interval = IntervalFor(rate_);
  probe_ = std::thread([this, start, interval] {
    DriveLoad(
        start, interval, static_cast<uint64_t>(rate_ * kDaySeconds), 1,
        [this](int, uint64_t i) {
          return prober_->PublishRequest(subject_, inbox_ + "." + std::to_string(i), "e");
        },
        [] { return uint64_t{0}; }, nullptr, stop_probe_, nullptr, std::chrono::hours(1));
  });
  sampler_ = std::thread([this] { SampleLoad(); });
  for (const pid_t tid : ProcessUsage::Threads()) {
    if (threads_before_.count(tid) == 0) threads_.insert(tid);
  }
}

report::NoiseWindow NoiseMonitor::MeasureIdle(std::chrono::milliseconds window,
                                              const std::atomic<bool>& cancelled) {
  Clock::time_point open_at;
  {
    MutexLock lock(&mu_);
    open_at = probe_start_ + kSettle;
  }
  while (Clock::now() < open_at && !cancelled)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const WindowId id = Open();
  const Clock::time_point until = Clock::now() + window;
  while (Clock::now() < until && !cancelled)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return Close(id);
}

void NoiseMonitor::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    wake_.SignalAll();
  }
  stop_probe_ = true;
  if (probe_.joinable()) probe_.join();
  if (sampler_.joinable()) sampler_.join();
}

NoiseMonitor::WindowId NoiseMonitor::Open() {
  Window w;
  w.began = Clock::now();
  w.cpu = ReadCpuTimes();
  if (const std::optional<double> load = ReadLoadAverage()) AddLoadSample(&w, *load);
  MutexLock lock(&mu_);
  const WindowId id = next_id_++;
  open_.emplace(id, std::move(w));
  return id;
}

report::NoiseWindow NoiseMonitor::Close(WindowId id) {
  const std::optional<CpuTimes> cpu = ReadCpuTimes();
  const std::optional<double> load = ReadLoadAverage();
  Window w;
  {
    MutexLock lock(&mu_);
    const auto it = open_.find(id);
    if (it == open_.end()) return report::NoiseWindow{};
    w = std::move(it->second);
    open_.erase(it);
  }
  if (load) AddLoadSample(&w, *load);
  report::NoiseWindow out;
  out.seconds = std::chrono::duration<double>(Clock::now() - w.began).count();
  out.load_avg_mean = w.load_samples > 0 ? w.load_sum / w.load_samples : 0;
  out.load_avg_max = w.load_max;
  if (w.cpu && cpu) {
    const CpuShares shares = SharesBetween(*w.cpu, *cpu);
    out.steal_percent = shares.steal_percent;
    out.iowait_percent = shares.iowait_percent;
  }
  const report::LatencySummary floor = report::Summarize(w.floor);
  out.floor_n = floor.n;
  out.floor_p50_ms = floor.median_ms;
  out.floor_p99_ms = floor.p99_ms;
  out.floor_max_ms = floor.max_ms;
  return out;
}

void NoiseMonitor::OnReply(const bus::Message& m) {
  const Clock::time_point now = Clock::now();
  uint64_t index = 0;
  try {
    index = std::stoull(std::string(m.subject.substr(m.subject.rfind('.') + 1)));
  } catch (const std::exception&) {
    return;
  }
  // From the intended send, as every latency of the run: a probe the
  // scheduler sent late (this process starved of CPU) counts its wait.
  const auto interval = IntervalFor(rate_);
  MutexLock lock(&mu_);
  const auto latency = now - (probe_start_ + interval * static_cast<int64_t>(index));
  for (auto& [id, w] : open_) w.floor.Record(latency);
}

void NoiseMonitor::AddLoadSample(Window* w, double load) {
  w->load_sum += load;
  ++w->load_samples;
  w->load_max = std::max(w->load_max, load);
}

void NoiseMonitor::SampleLoad() {
  Clock::time_point next = Clock::now() + kLoadEvery;
  for (;;) {
    {
      MutexLock lock(&mu_);
      while (!stopping_ && Clock::now() < next) wake_.WaitUntil(next);
      if (stopping_) return;
    }
    next += kLoadEvery;
    // Read outside the lock: the replies' handler waits on it.
    const std::optional<double> load = ReadLoadAverage();
    if (!load) continue;
    MutexLock lock(&mu_);
    for (auto& [id, w] : open_) AddLoadSample(&w, *load);
  }
}

}  // namespace roseyd::loadgen
