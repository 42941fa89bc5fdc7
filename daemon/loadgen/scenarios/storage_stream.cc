#include "loadgen/scenarios/storage_stream.h"

#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace roseyd::loadgen {

StorageStream::StorageStream(bus::Connection* connection, uint64_t count,
                             ScenarioClock::time_point start, std::chrono::nanoseconds interval,
                             std::function<StorageRequest(uint64_t index)> make, bool keep_replies)
    : connection_(connection),
      count_(count),
      start_(start),
      interval_(interval),
      make_(std::move(make)),
      keep_replies_(keep_replies),
      inbox_(bus::Connection::NewInbox()),
      answered_(count, false),
      replies_(keep_replies ? count : 0) {
  subscription_ = connection_->Subscribe(inbox_ + ".*", "", [this](const bus::Message& m) {
    OnReply(m);
  });
}

Status StorageStream::Send(uint64_t index) {
  const StorageRequest request = make_(index);
  return connection_->PublishRequest(request.subject, inbox_ + "." + std::to_string(index),
                                     request.payload);
}

void StorageStream::WaitReplies(uint64_t sent, ScenarioClock::time_point deadline) const {
  while (Answered() < sent && ScenarioClock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

report::LatencyHistogram StorageStream::Latencies() const {
  MutexLock lock(&mu_);
  return latencies_;
}

uint64_t StorageStream::Failed(uint64_t sent) const {
  MutexLock lock(&mu_);
  return failed_ + (sent - std::min(sent, answered_count_.load()));
}

ScenarioClock::time_point StorageStream::LastReply() const {
  MutexLock lock(&mu_);
  return last_reply_;
}

std::string StorageStream::Reply(uint64_t index) const {
  MutexLock lock(&mu_);
  return index < replies_.size() ? replies_[index] : std::string();
}

void StorageStream::OnReply(const bus::Message& m) {
  const ScenarioClock::time_point now = ScenarioClock::now();
  uint64_t index = 0;
  try {
    index = std::stoull(std::string(m.subject.substr(m.subject.rfind('.') + 1)));
  } catch (const std::exception&) {
    return;
  }
  if (index >= count_) return;
  MutexLock lock(&mu_);
  if (answered_[index]) return;
  answered_[index] = true;
  // From the intended send, as RequestStream: a late send counts its wait.
  latencies_.Record(now - (start_ + interval_ * static_cast<int64_t>(index)));
  if (m.data.find(R"("success": false)") != std::string_view::npos ||
      m.data.find(R"("success":false)") != std::string_view::npos) {
    ++failed_;
  }
  if (keep_replies_) replies_[index] = std::string(m.data);
  last_reply_ = now;
  answered_count_.fetch_add(1);
}

void RunStorageLoad(ScenarioContext* ctx, Bots* bots, const std::set<pid_t>& threads_before,
                    StorageStream* stream, uint64_t count, double rate,
                    ScenarioClock::time_point start) {
  report::ScenarioResult& result = ctx->result();
  result.target_rate = rate;
  const LoadgenMetrics::Live* live = ctx->live();
  if (live) live->target_rate->Set(rate);
  bots->usage.ExcludeThreadsSince(threads_before);
  bots->usage.ExcludeThreads({static_cast<pid_t>(gettid())});
  ProcessUsage* usage = ctx->ServiceUsage(bots);
  const double cpu_before = usage ? usage->ServiceCpuSeconds() : 0;
  LoadOutcome load = DriveLoad(
      start, IntervalFor(rate), count, 1, [&](int, uint64_t i) { return stream->Send(i); },
      [&] { return stream->Answered(); }, usage, ctx->cancelled(), live ? live->sent : nullptr);
  stream->WaitReplies(load.sent, ScenarioClock::now() + std::chrono::seconds(10));
  const double cpu_used = usage ? usage->ServiceCpuSeconds() - cpu_before : 0;
  result.sent = load.sent;
  result.failed_requests = stream->Failed(load.sent);
  result.request_latency = LatencyResultOf(stream->Latencies());
  result.publish_call = LatencyResultOf(load.publish_call);
  result.timeline = load.timeline;
  const report::LatencySummary& s = result.request_latency->summary;
  ctx->AddFigure("p50_latency_ms", s.median_ms);
  ctx->AddFigure("p95_latency_ms", s.p95_ms);
  ctx->AddFigure("p99_latency_ms", s.p99_ms);
  ctx->AddFigure("failed_requests", static_cast<double>(result.failed_requests));
  const double window = Seconds(std::max(stream->LastReply(), load.end) - start);
  ctx->AddFigure("ops_per_second",
                 window > 0 ? static_cast<double>(stream->Answered()) / window : 0);
  if (usage != nullptr && stream->Answered() > 0) {
    ctx->AddFigure("cpu_us_per_request", 1e6 * cpu_used / static_cast<double>(stream->Answered()));
  }
}

std::string SetupRequest(bus::Connection* connection, const std::string& subject,
                         const std::string& payload, const std::string& what) {
  std::string reply;
  const Status s = connection->Request(subject, payload, std::chrono::seconds(10), &reply);
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
  if (reply.find(R"("success": true)") == std::string::npos) {
    throw std::runtime_error(what + ": " + reply.substr(0, 200));
  }
  return reply;
}

}  // namespace roseyd::loadgen
