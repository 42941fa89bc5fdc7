// The writer's lease on a shared PostgreSQL store: a leader that stops
// answering (SIGSTOP, as a hung process or a frozen VM) is replaced within
// 3 s and, woken, writes nothing; roseyd_store_leader is 1 on one roseyd at
// most at any sampled moment, and drops to 0 within a second of the claim's
// loss, idle or busy.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_pair.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// How long the leader stays stopped: 5 s, or ROSEYD_HUNG_SECONDS (the
// 30-second runs of scripts/hung_leader_runs.sh).
std::chrono::seconds HungFor() {
  const char* env = std::getenv("ROSEYD_HUNG_SECONDS");
  return std::chrono::seconds(env != nullptr ? std::atoi(env) : 5);
}

// SIGSTOP now, SIGCONT when it goes out of scope (a failed assertion must
// not leave a stopped roseyd that no stop can end).
class Frozen {
 public:
  explicit Frozen(pid_t pid) : pid_(pid) { ::kill(pid_, SIGSTOP); }
  ~Frozen() { Thaw(); }
  void Thaw() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

// The leader is stopped with SIGSTOP; the follower must lead within 3 s.
// When woken, the old leader must report 0, write nothing and follow.
// Returns the takeover time in ms.
int64_t FreezeTheLeader(RoseydPair* pair, LeaderSampler* sampler) {
  const auto frozen_at = Clock::now();
  Frozen frozen(pair->leader.roseyd_pid());
  const int64_t takeover = MillisUntilLeading(pair->follower, frozen_at);
  EXPECT_GE(takeover, 0) << pair->follower.Log();
  EXPECT_LT(takeover, 3000) << pair->follower.Log();
  std::this_thread::sleep_until(frozen_at + HungFor());
  const auto thawed_at = Clock::now();
  frozen.Thaw();
  EXPECT_TRUE(RoseydWorld::WaitFor([&] { return pair->leader.Metric("roseyd_store_leader") == 0; }))
      << pair->leader.Log();
  EXPECT_TRUE(RoseydWorld::WaitFor([&] {
    return pair->leader.Log().find("and stops writing") != std::string::npos;
  })) << pair->leader.Log();
  std::printf("[figure] woken after %lld s: roseyd_store_leader 0 in the first scrape after "
              "%lld ms\n",
              static_cast<long long>(HungFor().count()),
              static_cast<long long>(sampler->MillisUntil(0, 0, thawed_at)));
  EXPECT_NE(pair->follower.Log().find("ending that session to take the writer's claim over"),
            std::string::npos)
      << pair->follower.Log();
  return takeover;
}

TEST(LeaseTest, ALeaderStoppedUnderLoadIsReplacedWithinThreeSecondsAndWritesNothingWhenWoken) {
  RoseydPair pair;
  pair.Start();
  LeaderSampler sampler({&pair.leader, &pair.follower});
  constexpr int kLines = 60000;  // about 3 s at 20,000/s: the freeze comes at a third
  auto chat = pair.PublishChat(kLines);
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return chat->sent() >= kLines / 3; }));
  const int64_t takeover = FreezeTheLeader(&pair, &sampler);
  std::printf("[figure] hung leader under load (stopped %lld s): replaced in %lld ms\n",
              static_cast<long long>(HungFor().count()), static_cast<long long>(takeover));
  ExpectEachLineOnce(pair.leader, chat.get(), kLines);
  sampler.Stop();
  EXPECT_GT(sampler.Samples(), 100u);
  EXPECT_EQ(sampler.TwoLeaders(), 0);
  pair.ExpectCleanStops();
}

TEST(LeaseTest, AnIdleLeaderStoppedIsReplacedWithinThreeSeconds) {
  RoseydPair pair;
  pair.Start();
  LeaderSampler sampler({&pair.leader, &pair.follower});
  std::this_thread::sleep_for(milliseconds(1000));  // idle: only heartbeats keep the lease
  const int64_t takeover = FreezeTheLeader(&pair, &sampler);
  std::printf("[figure] hung leader, idle (stopped %lld s): replaced in %lld ms\n",
              static_cast<long long>(HungFor().count()), static_cast<long long>(takeover));
  constexpr int kLines = 2000;
  auto chat = pair.PublishChat(kLines);
  ExpectEachLineOnce(pair.leader, chat.get(), kLines);
  sampler.Stop();
  EXPECT_EQ(sampler.TwoLeaders(), 0);
  pair.ExpectCleanStops();
}

// PostgreSQL restarted while both roseyd are idle: the leader's session
// ends with it, and the leader reports 0 within a second (it used to go on
// saying 1 until its next prune, two minutes later). One of them then leads,
// and a write request is answered by it, not left waiting on the other.
TEST(LeaseTest, WhenPostgresRestartsTheIdleLeaderReportsZeroWithinASecond) {
  PostgresServer server;  // of its own: this test stops it
  RoseydPair pair(&server);
  pair.Start();
  LeaderSampler sampler({&pair.leader, &pair.follower});
  std::this_thread::sleep_for(milliseconds(1000));
  const auto stopped = Clock::now();
  server.Stop();
  EXPECT_TRUE(RoseydWorld::WaitFor([&] { return pair.leader.Metric("roseyd_store_leader") == 0; },
                                   milliseconds(5000)));
  const int64_t zero =
      std::chrono::duration_cast<milliseconds>(Clock::now() - stopped).count();  // polled: 20 ms
  std::printf("[figure] PostgreSQL stopped, idle leader: roseyd_store_leader 0 after %lld ms\n",
              static_cast<long long>(zero));
  EXPECT_GE(zero, 0);
  EXPECT_LT(zero, 1000);
  std::this_thread::sleep_for(milliseconds(500));
  server.Start();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] {
    return pair.leader.Metric("roseyd_store_leader") + pair.follower.Metric("roseyd_store_leader") ==
           1;
  })) << pair.leader.Log()
      << pair.follower.Log();
  // The other may still be subscribed for a moment (paused, about to
  // follow): it answers at once that it does not write. Nothing waits.
  int refused = 0;
  for (int i = 0; i < 20; ++i) {
    const auto asked = Clock::now();
    const std::string reply = pair.leader.Request(
        "rosey.db.kv.set",
        R"({"plugin_name":"lease","key":"k)" + std::to_string(i) + R"(","value":1})");
    EXPECT_LT(Clock::now() - asked, milliseconds(500)) << reply;
    if (nlohmann::json::parse(reply).value("success", false)) continue;
    EXPECT_NE(reply.find("this roseyd does not write to the store now"), std::string::npos)
        << reply;
    EXPECT_LT(i, 10) << "still refused after 0.5 s: " << reply << pair.leader.Log()
                     << pair.follower.Log();
    ++refused;
    std::this_thread::sleep_for(milliseconds(50));
  }
  std::printf("[figure] write requests after the restart: %d of 20 refused at once\n", refused);
  sampler.Stop();
  EXPECT_EQ(sampler.TwoLeaders(), 0);
  pair.ExpectCleanStops();
}

}  // namespace
}  // namespace roseyd::testing
