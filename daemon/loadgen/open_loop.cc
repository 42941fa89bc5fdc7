#include "loadgen/open_loop.h"

#include <thread>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include "bus/connection.h"
#include "bus/subscription.h"
#include "loadgen/commit_tracker.h"
#include "loadgen/payloads.h"
#include "loadgen/process_usage.h"

namespace roseyd::loadgen {

using report::LatencyHistogram;
using report::TimelinePoint;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

LoadOutcome DriveLoad(Clock::time_point start, nanoseconds interval, uint64_t count, int lanes,
                      const std::function<Status(int lane, uint64_t index)>& send,
                      const std::function<uint64_t()>& persisted, ProcessUsage* usage,
                      const std::atomic<bool>& cancelled, prometheus::Counter* live_sent,
                      std::chrono::milliseconds sample_every) {
  LoadOutcome out;
  asio::io_context io;
  std::vector<std::unique_ptr<asio::steady_timer>> timers;
  std::vector<uint64_t> next(static_cast<size_t>(lanes));
  int lanes_left = lanes;
  const auto intended = [&](uint64_t i) { return start + interval * static_cast<int64_t>(i); };

  std::function<void(int)> fire = [&](int lane) {
    if (cancelled) {
      out.cancelled = true;
      io.stop();
      return;
    }
    uint64_t& i = next[static_cast<size_t>(lane)];
    const Clock::time_point now = Clock::now();
    // Everything due by now goes out at once: the schedule never moves. A
    // burst has everything due at once, so a cancel is looked at per send.
    while (i < count && intended(i) <= now) {
      if (cancelled.load(std::memory_order_relaxed)) {
        out.cancelled = true;
        io.stop();
        return;
      }
      // Counted live before it goes: its commit can be seen (and counted
      // persisted) before send() returns, and a live view must never show
      // more persisted than sent. A send that fails is in `errors` then.
      if (live_sent) live_sent->Increment();
      const Clock::time_point t = Clock::now();
      const Status s = send(lane, i);
      out.publish_call.Record(Clock::now() - t);
      if (s.ok()) {
        ++out.sent;
      } else if (out.errors++ == 0) {
        out.first_error = s.ToString();
      }
      i += static_cast<uint64_t>(lanes);
    }
    if (i >= count) {
      if (--lanes_left == 0) {
        out.end = Clock::now();
        io.stop();
      }
      return;
    }
    auto& timer = *timers[static_cast<size_t>(lane)];
    timer.expires_at(intended(i));
    timer.async_wait([&, lane](const asio::error_code& ec) {
      if (!ec) fire(lane);
    });
  };
  for (int lane = 0; lane < lanes; ++lane) {
    next[static_cast<size_t>(lane)] = static_cast<uint64_t>(lane);
    timers.push_back(std::make_unique<asio::steady_timer>(io));
    timers.back()->expires_at(intended(static_cast<uint64_t>(lane)));
    timers.back()->async_wait([&, lane](const asio::error_code& ec) {
      if (!ec) fire(lane);
    });
  }

  // Every sample_every: what was sent and committed since, RSS, CPU.
  const auto cpu = [usage] { return usage ? usage->ServiceCpuSeconds() : 0.0; };
  asio::steady_timer sampler(io);
  struct Last {
    Clock::time_point t;
    uint64_t sent, persisted;
    double cpu;
  } last{Clock::now(), 0, persisted(), cpu()};
  const Clock::time_point first_sample = last.t;
  out.timeline_origin = first_sample;
  std::function<void()> sample = [&] {
    sampler.expires_at(last.t + sample_every);
    sampler.async_wait([&](const asio::error_code& ec) {
      if (ec) return;
      const Clock::time_point now = Clock::now();
      const double dt = Seconds(now - last.t);
      const uint64_t p = persisted();
      const double c = cpu();
      out.timeline.push_back(TimelinePoint{
          Seconds(now - first_sample), static_cast<double>(out.sent - last.sent) / dt,
          static_cast<double>(p - last.persisted) / dt, usage ? ProcessUsage::RssBytes() : 0,
          usage ? ProcessUsage::AnonRssBytes() : 0, 100.0 * (c - last.cpu) / dt});
      last = Last{now, out.sent, p, c};
      sample();
    });
  };
  sample();
  if (count == 0) {
    out.end = Clock::now();
    return out;
  }
  io.run();
  if (out.end == Clock::time_point{}) out.end = Clock::now();
  return out;
}

std::function<StreamRequest(uint64_t)> ClassicQueries(std::string prefix, std::string username,
                                                      bool user_stats_only) {
  return [prefix = std::move(prefix), username = std::move(username),
          user_stats_only](uint64_t index) {
    ClassicQuery query = ClassicQueryOf(user_stats_only ? 0 : index, username);
    return StreamRequest{prefix + "." + query.subject_suffix, std::move(query.payload)};
  };
}

bool ClassicReplyFailed(std::string_view reply) {
  return reply.find(R"("success":false)") != std::string_view::npos;
}

bool StorageReplyFailed(std::string_view reply) {
  return reply.find(R"("success": false)") != std::string_view::npos ||
         reply.find(R"("success":false)") != std::string_view::npos;
}

RequestStream::RequestStream(bus::Connection* connection, uint64_t count, Clock::time_point start,
                             nanoseconds interval, std::function<StreamRequest(uint64_t)> make,
                             std::function<bool(std::string_view)> failed,
                             prometheus::Histogram* live, bool keep_replies)
    : connection_(connection),
      count_(count),
      start_(start),
      interval_(interval),
      make_(std::move(make)),
      failed_reply_(std::move(failed)),
      live_(live),
      keep_replies_(keep_replies),
      inbox_(bus::Connection::NewInbox()),
      answered_(count, false),
      replies_(keep_replies ? count : 0) {
  subscription_ = connection_->Subscribe(inbox_ + ".*", "", [this](const bus::Message& m) {
    OnReply(m);
  });
}

RequestStream::RequestStream(bus::Connection* connection, std::string prefix, std::string username,
                             uint64_t count, Clock::time_point start, nanoseconds interval,
                             prometheus::Histogram* live, bool user_stats_only)
    : RequestStream(connection, count, start, interval,
                    ClassicQueries(std::move(prefix), std::move(username), user_stats_only),
                    ClassicReplyFailed, live) {}

RequestStream::~RequestStream() = default;

Status RequestStream::Send(uint64_t index) {
  const StreamRequest request = make_(index);
  return connection_->PublishRequest(request.subject, inbox_ + "." + std::to_string(index),
                                     request.payload);
}

void RequestStream::WaitReplies(uint64_t sent, Clock::time_point deadline,
                                const std::atomic<bool>* cancelled) const {
  while (Answered() < sent && Clock::now() < (deadline = CancelAwareDeadline(deadline, cancelled))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

LatencyHistogram RequestStream::Latencies() const {
  MutexLock lock(&mu_);
  return latencies_;
}

uint64_t RequestStream::Failed(uint64_t sent) const {
  MutexLock lock(&mu_);
  return failed_ + (sent - std::min(sent, answered_count_.load()));
}

Clock::time_point RequestStream::LastReply() const {
  MutexLock lock(&mu_);
  return last_reply_;
}

std::string RequestStream::Reply(uint64_t index) const {
  MutexLock lock(&mu_);
  return index < replies_.size() ? replies_[index] : std::string();
}

void RequestStream::OnReply(const bus::Message& m) {
  const Clock::time_point now = Clock::now();
  const auto dot = m.subject.rfind('.');
  uint64_t index = 0;
  try {
    index = std::stoull(std::string(m.subject.substr(dot + 1)));
  } catch (const std::exception&) {
    return;
  }
  if (index >= count_) return;
  MutexLock lock(&mu_);
  if (answered_[index]) return;
  answered_[index] = true;
  // From the intended send, not the actual one: a request the scheduler sent
  // late, or that queued behind a stalled one, counts its whole wait.
  const auto latency = now - (start_ + interval_ * static_cast<int64_t>(index));
  latencies_.Record(latency);
  if (live_) live_->Observe(Seconds(latency));
  if (failed_reply_(m.data)) ++failed_;
  if (keep_replies_) replies_[index] = std::string(m.data);
  last_reply_ = now;
  answered_count_.fetch_add(1);
}

}  // namespace roseyd::loadgen
