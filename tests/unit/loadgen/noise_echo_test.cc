// The noise monitor's echo floor against a real nats-server: probes go
// round, windows see them, overlapping windows each see their own share,
// and the monitor's threads are named so the service's CPU leaves them out.

#include <atomic>
#include <chrono>
#include <set>

#include <gtest/gtest.h>

#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "loadgen/noise_monitor.h"
#include "loadgen/process_usage.h"

namespace roseyd::loadgen {
namespace {

using namespace std::chrono_literals;

class NoiseEchoTest : public ::testing::Test {
 protected:
  NoiseEchoTest() : server_(ServerOptions()) {}

  static bus::EmbeddedServerOptions ServerOptions() {
    bus::EmbeddedServerOptions options;
    options.port = 0;
    options.jetstream = false;
    return options;
  }

  bus::ConnectionOptions Options() const {
    bus::ConnectionOptions options;
    options.url = server_.url();
    options.name = "noise-echo-test";
    return options;
  }

  bus::NatsLibrary library_;
  bus::EmbeddedServer server_;
};

TEST_F(NoiseEchoTest, TheIdleWindowSeesTheProbesRoundTripOnLoopback) {
  NoiseMonitor monitor(Options(), 200);
  monitor.Start();
  std::atomic<bool> cancelled{false};
  const report::NoiseWindow idle = monitor.MeasureIdle(500ms, cancelled);
  // 200 a second for half a second: about 100, whatever the machine's load.
  EXPECT_GE(idle.floor_n, 50u);
  EXPECT_LE(idle.floor_n, 130u);
  EXPECT_GT(idle.floor_p50_ms, 0);
  EXPECT_LE(idle.floor_p50_ms, idle.floor_p99_ms);
  EXPECT_LE(idle.floor_p99_ms, idle.floor_max_ms);
  EXPECT_NEAR(idle.seconds, 0.5, 0.2);
  EXPECT_GE(idle.steal_percent, 0);
  EXPECT_EQ(monitor.Subject().rfind("_INBOX.", 0), 0u) << "a subject no service subscribes to";
}

TEST_F(NoiseEchoTest, OverlappingWindowsEachSeeTheirOwnProbes) {
  NoiseMonitor monitor(Options(), 200);
  monitor.Start();
  std::atomic<bool> cancelled{false};
  const NoiseMonitor::WindowId outer = monitor.Open();
  const report::NoiseWindow inner = monitor.MeasureIdle(300ms, cancelled);
  const report::NoiseWindow whole = monitor.Close(outer);
  EXPECT_GT(inner.floor_n, 0u);
  EXPECT_GT(whole.floor_n, inner.floor_n) << "the outer window began before and saw more";
  EXPECT_EQ(monitor.Close(outer).floor_n, 0u) << "a closed window is no longer open";
}

TEST_F(NoiseEchoTest, ItsThreadsAreNamedAndStopEndsTheProbes) {
  const std::set<pid_t> before = ProcessUsage::Threads();
  NoiseMonitor monitor(Options(), 200);
  monitor.Start();
  EXPECT_GE(monitor.Threads().size(), 2u) << "at least the probe and the load sampler";
  for (const pid_t tid : monitor.Threads()) EXPECT_EQ(before.count(tid), 0u);
  monitor.Stop();
  const NoiseMonitor::WindowId after = monitor.Open();
  // Replies still in flight may land, but no new probe goes out: within the
  // wait for them (as one would wait for a straggler), the count stays put.
  std::atomic<bool> cancelled{false};
  const report::NoiseWindow late = monitor.MeasureIdle(200ms, cancelled);
  (void)monitor.Close(after);
  EXPECT_LE(late.floor_n, 2u);
}

TEST(NoiseEchoNoServerTest, AServerThatIsNotThereIsAStartupError) {
  bus::NatsLibrary library;
  bus::ConnectionOptions options;
  options.url = "nats://127.0.0.1:" + std::to_string(bus::FindFreePort());
  EXPECT_ANY_THROW(NoiseMonitor monitor(options));
}

}  // namespace
}  // namespace roseyd::loadgen
