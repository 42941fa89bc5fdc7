#include "loadgen/bot_probe.h"

#include "loadgen/open_loop.h"
#include "loadgen/scenarios/scenario_context.h"

namespace roseyd::loadgen {

namespace {

// No user has this name (bench users are "bench<tag>-p<i>"): the query
// reads, finds nothing, and writes nothing.
constexpr char kProbeUser[] = "roseyd-bench-probe-nobody";

// Requests of a background probe: enough for a day at the highest rate.
constexpr uint64_t kDaySeconds = uint64_t{24} * 3600;

}  // namespace

BotProbe::BotProbe(const bus::ConnectionOptions& options, std::string subject_prefix, double rate)
    : prefix_(std::move(subject_prefix)), rate_(rate) {
  bus::ConnectionOptions o = options;
  o.name = options.name + "-probe";
  o.send_asap = true;  // a latency probe: the request leaves when it is due
  o.retry_on_failed_connect = false;
  connection_ = std::make_unique<bus::Connection>(o);
}

BotProbe::~BotProbe() {
  report::BotServiceProbe unused;
  Stop(&unused);
}

std::string BotProbe::Subject() const { return prefix_ + ".query.user_stats"; }

BotProbe::Window BotProbe::Probe(uint64_t count, const std::atomic<bool>& stop) {
  const ScenarioClock::time_point start = ScenarioClock::now() + kLead;
  RequestStream stream(connection_.get(), prefix_, kProbeUser, count, start, IntervalFor(rate_),
                       nullptr, /*user_stats_only=*/true);
  const LoadOutcome load = DriveLoad(
      start, IntervalFor(rate_), count, 1, [&](int, uint64_t i) { return stream.Send(i); },
      [&] { return stream.Answered(); }, nullptr, stop, nullptr);
  // A reply still on its way is not a failure: give the last ones time.
  stream.WaitReplies(load.sent, ScenarioClock::now() + std::chrono::seconds(2));
  Window w;
  w.sent = load.sent;
  w.failed = stream.Failed(load.sent);
  w.latency = LatencyResultOf(stream.Latencies());
  return w;
}

void BotProbe::MeasureIdle(std::chrono::milliseconds window, const std::atomic<bool>& cancelled,
                           report::BotServiceProbe* out) {
  const auto count = static_cast<uint64_t>(rate_ * std::chrono::duration<double>(window).count());
  const Window w = Probe(count, cancelled);
  out->subject = Subject();
  out->rate = rate_;
  out->idle = w.latency;
  out->idle_sent = w.sent;
  out->idle_failed = w.failed;
}

void BotProbe::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    during_ = Probe(static_cast<uint64_t>(rate_ * kDaySeconds), stop_);
  });
}

void BotProbe::Stop(report::BotServiceProbe* out) {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  out->subject = Subject();
  out->rate = rate_;
  out->during = during_.latency;
  out->during_sent = during_.sent;
  out->during_failed = during_.failed;
}

}  // namespace roseyd::loadgen
