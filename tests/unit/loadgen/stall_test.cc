// The open-loop scheduler and the request latency it reports, against a real
// nats-server and a deliberately slow responder standing in for the service:
// a stall must not delay the sends scheduled during it, and must show in the
// latency of every request that waited on it (no coordinated omission).

#include "loadgen/open_loop.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"
#include "report/stats.h"

namespace roseyd::loadgen {
namespace {

using Clock = std::chrono::steady_clock;
using report::LatencyHistogram;
using report::LatencySummary;
using report::Summarize;
using namespace std::chrono_literals;

constexpr uint64_t kCount = 150;  // 1.5 s at 100 requests/s
constexpr auto kInterval = 10ms;
constexpr auto kLead = 100ms;     // connections settle before the first send
// Sends later than this count as the scheduler having paused; a pause for
// the stall would be about kStall late.
constexpr auto kOnTime = 100ms;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Requests whose latency is at least `at_least` (bucket bounds are within 1 %).
uint64_t CountAtLeast(const LatencyHistogram& h, std::chrono::nanoseconds at_least) {
  uint64_t n = 0;
  for (const auto& b : h.NonEmptyBuckets()) {
    if (b.lower_ns >= at_least.count()) n += b.count;
  }
  return n;
}

// A nats-server on a free loopback port, the load generator's connection,
// and a responder on the query subjects: one cnats delivery thread, so a
// request it sleeps on holds up every request behind it, as a stalled
// service would. It sleeps `stall` on request `stall_index` (the index is
// the reply subject's last token, as RequestStream sends it).
class StallTest : public ::testing::Test {
 protected:
  StallTest() : server_(ServerOptions()) {
    client_ = std::make_unique<bus::Connection>(Options("stall-test-client"));
    responder_connection_ = std::make_unique<bus::Connection>(Options("stall-test-responder"));
  }

  static bus::EmbeddedServerOptions ServerOptions() {
    bus::EmbeddedServerOptions options;
    options.port = 0;
    options.jetstream = false;
    return options;
  }

  bus::ConnectionOptions Options(const std::string& name) const {
    bus::ConnectionOptions options;
    options.url = server_.url();
    options.name = name;
    options.send_asap = true;
    options.retry_on_failed_connect = false;
    return options;
  }

  void StartResponder(uint64_t stall_index, std::chrono::milliseconds stall) {
    responder_ = responder_connection_->Subscribe(
        "rosey.db.>", "", [this, stall_index, stall](const bus::Message& m) {
          const std::string reply(m.reply);
          const uint64_t index = std::stoull(reply.substr(reply.rfind('.') + 1));
          if (index == stall_index) std::this_thread::sleep_for(stall);
          (void)responder_connection_->Publish(reply, R"({"success":true})");
        });
    ASSERT_TRUE(responder_connection_->Flush(2000ms).ok());  // subscribed before any request
  }

  // Runs kCount requests at one per kInterval through the real scheduler and
  // RequestStream; `before_send` runs inside the send, just before it.
  // Records when each send happened.
  struct Run {
    Clock::time_point start;
    LoadOutcome load;
    std::vector<Clock::time_point> sent_at;
    LatencyHistogram latencies;
    uint64_t answered = 0;
    Clock::time_point Intended(uint64_t i) const { return start + kInterval * i; }
  };
  Run Drive(const std::function<void(uint64_t)>& before_send = nullptr) {
    Run run;
    run.sent_at.resize(kCount);
    run.start = Clock::now() + kLead;
    RequestStream stream(client_.get(), "rosey.db", "stall-user", kCount, run.start, kInterval,
                         nullptr);
    std::atomic<bool> cancelled{false};
    run.load = DriveLoad(
        run.start, kInterval, kCount, 1,
        [&](int, uint64_t i) {
          if (before_send) before_send(i);
          run.sent_at[i] = Clock::now();
          return stream.Send(i);
        },
        [&] { return stream.Answered(); }, nullptr, cancelled, nullptr);
    stream.WaitReplies(run.load.sent, Clock::now() + 5s);
    run.answered = stream.Answered();
    run.latencies = stream.Latencies();
    return run;
  }

  bus::NatsLibrary library_;
  bus::EmbeddedServer server_;
  std::unique_ptr<bus::Connection> client_;
  std::unique_ptr<bus::Connection> responder_connection_;
  std::unique_ptr<bus::Subscription> responder_;  // last: goes before its connection
};

// The service stalls 300 ms on request 30 (at 0.3 s): requests 31..59 are
// scheduled during the stall and queue behind it.
TEST_F(StallTest, ServiceStallDelaysNoSendAndShowsInEveryWaitingRequestsLatency) {
  constexpr uint64_t kStallIndex = 30;
  constexpr auto kStall = 300ms;
  StartResponder(kStallIndex, kStall);
  const Run run = Drive();

  // The schedule held: every request went out on time, the ones due during
  // the stall included, and the phase did not stretch by the stall.
  EXPECT_EQ(run.load.sent, kCount);
  EXPECT_EQ(run.load.errors, 0u) << run.load.first_error;
  for (uint64_t i = 0; i < kCount; ++i) {
    EXPECT_LT(run.sent_at[i] - run.Intended(i), kOnTime)
        << "request " << i << " went out " << Ms(run.sent_at[i] - run.Intended(i))
        << " ms after its slot: the scheduler paused";
  }
  EXPECT_LT(run.load.end - run.Intended(kCount - 1), kOnTime);
  ASSERT_EQ(run.answered, kCount);

  // The stall is in the figures: the stalled request waited at least kStall.
  const LatencySummary s = Summarize(run.latencies);
  EXPECT_EQ(s.n, kCount);
  EXPECT_GE(s.max_ms, Ms(kStall));
  // And so did the requests queued behind it, each from its own intended
  // send time: the one due j slots after the stall began waited about
  // kStall - j * kInterval. So about kStall / 2 / kInterval = 15 requests
  // (the stalled one included) waited at least kStall / 2. Latency taken
  // from the previous reply, or a sender that waited for each reply (so
  // measured from its late actual send), would show only the stalled one.
  const uint64_t waited = CountAtLeast(run.latencies, kStall / 2);
  EXPECT_GE(waited, 12u) << "only " << waited << " requests show the stall";
  EXPECT_LE(waited, 20u) << "the stall shows in more requests than queued behind it";
  // Requests well after the stall are fast again: the figures are not just
  // inflated everywhere.
  EXPECT_LT(s.median_ms, Ms(kStall) / 3);
}

// The sender itself is late (a publish blocked for 200 ms at request 20): it
// catches up at once on the requests it missed, then keeps the original
// schedule, and those requests' latency counts the delay from their intended
// time, not from when they actually went out.
TEST_F(StallTest, LateSenderCatchesUpWithoutMovingTheScheduleAndCountsTheDelay) {
  constexpr uint64_t kLateIndex = 20;
  constexpr auto kLate = 200ms;
  StartResponder(kCount, 0ms);  // never stalls
  const Run run = Drive([&](uint64_t i) {
    if (i == kLateIndex) std::this_thread::sleep_for(kLate);
  });

  EXPECT_EQ(run.load.sent, kCount);
  ASSERT_EQ(run.answered, kCount);
  // Requests due during the blocked send went out right after it, together.
  const Clock::time_point resumed = run.sent_at[kLateIndex];
  EXPECT_GE(resumed - run.Intended(kLateIndex), kLate);
  for (uint64_t i = kLateIndex + 1; i < kLateIndex + 15; ++i) {
    EXPECT_LT(run.sent_at[i] - resumed, 20ms) << "request " << i << " was not caught up at once";
  }
  // Later ones are back on their original slots: the schedule did not move.
  constexpr uint64_t kBackOnSchedule = kLateIndex + 25;  // due 50 ms after the catch-up
  for (uint64_t i = kBackOnSchedule; i < kCount; ++i) {
    EXPECT_LT(run.sent_at[i] - run.Intended(i), kOnTime / 2)
        << "request " << i << " went out " << Ms(run.sent_at[i] - run.Intended(i))
        << " ms late: the schedule moved by the delay";
  }
  // About kLate / 2 / kInterval = 10 requests were held up by at least kLate / 2;
  // measured from the actual send they would all look fast.
  const LatencySummary s = Summarize(run.latencies);
  EXPECT_GE(s.max_ms, Ms(kLate));
  const uint64_t delayed = CountAtLeast(run.latencies, kLate / 2);
  EXPECT_GE(delayed, 8u) << "only " << delayed << " requests show the sender's delay";
  EXPECT_LE(delayed, 14u);
}

}  // namespace
}  // namespace roseyd::loadgen
