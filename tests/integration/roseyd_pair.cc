#include "integration/roseyd_pair.h"

#include <cstdio>

#include <gtest/gtest.h>

namespace roseyd::testing {

using std::chrono::milliseconds;

const std::vector<std::string> kDurable = {"--set", "service.durability=jetstream"};

std::vector<std::string> Beside(const RoseydWorld& leader, std::vector<std::string> args) {
  args.insert(args.end(),
              {"--nats-url", leader.nats_url(), "--set", "store.url=" + leader.store_url()});
  return args;
}

void ExpectEachLineOnce(const RoseydWorld& world, ChatPublisher* publisher, int total) {
  publisher->Join();
  ASSERT_EQ(publisher->sent(), total);
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.QueryInt("SELECT COUNT(*) FROM recent_chat") >= total; },
      milliseconds(30000)));
  const int64_t rows = world.QueryInt("SELECT COUNT(*) FROM recent_chat");
  const int64_t distinct = world.QueryInt("SELECT COUNT(DISTINCT message) FROM recent_chat");
  std::printf("[figures] sent %d, persisted %lld, lost %lld, duplicated %lld\n", total,
              static_cast<long long>(distinct), static_cast<long long>(total - distinct),
              static_cast<long long>(rows - distinct));
  EXPECT_EQ(rows, total);
  EXPECT_EQ(distinct, total);
  EXPECT_EQ(world.QueryInt("SELECT total_chat_lines FROM user_stats WHERE username = 'load'"),
            total);
}

int64_t MillisUntilLeading(const RoseydWorld& follower,
                           std::chrono::steady_clock::time_point since) {
  if (!RoseydWorld::WaitFor([&] { return follower.Metric("roseyd_store_leader") == 1; },
                            milliseconds(10000))) {
    return -1;
  }
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - since).count();
}

void RoseydPair::Start(bool jetstream, const std::vector<std::string>& leader_args) {
  leader.StartNats({}, jetstream);
  leader.StartRoseyd(jetstream ? leader_args : std::vector<std::string>{});
  follower.StartRoseyd(Beside(leader, jetstream ? kDurable : std::vector<std::string>{}));
}

std::unique_ptr<ChatPublisher> RoseydPair::PublishChat(int lines) {
  leader.Publish("rosey.db.user.joined", R"({"username":"load"})");
  return std::make_unique<ChatPublisher>(&leader.client(), lines, 20);
}

void RoseydPair::ExpectCleanStops() {
  EXPECT_EQ(follower.StopRoseyd(), 0) << follower.Log();
  EXPECT_EQ(leader.StopRoseyd(), 0) << leader.Log();
}

LeaderSampler::LeaderSampler(std::vector<const RoseydWorld*> worlds) : samples_(worlds.size()) {
  for (size_t i = 0; i < worlds.size(); ++i) {
    threads_.emplace_back([this, i, world = worlds[i]] {
      while (!stop_.load()) {
        const auto asked = std::chrono::steady_clock::now();
        double value = -1;
        try {
          value = world->Metric("roseyd_store_leader");
        } catch (const std::exception&) {
          // not serving (starting or stopped): no sample
        }
        {
          std::lock_guard lock(mu_);
          samples_[i].push_back(Sample{asked, std::chrono::steady_clock::now(), value});
        }
        std::this_thread::sleep_for(milliseconds(50));
      }
    });
  }
}

void LeaderSampler::Stop() {
  stop_.store(true);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

int LeaderSampler::TwoLeaders() {
  std::lock_guard lock(mu_);
  int overlaps = 0;
  for (size_t a = 0; a < samples_.size(); ++a) {
    for (size_t b = a + 1; b < samples_.size(); ++b) {
      for (const Sample& x : samples_[a]) {
        for (const Sample& y : samples_[b]) {
          overlaps += x.value == 1 && y.value == 1 && x.asked <= y.answered &&
                      y.asked <= x.answered;
        }
      }
    }
  }
  return overlaps;
}

int64_t LeaderSampler::MillisUntil(size_t i, double value,
                                   std::chrono::steady_clock::time_point since) {
  std::lock_guard lock(mu_);
  for (const Sample& s : samples_[i]) {
    if (s.answered >= since && s.value == value) {
      return std::chrono::duration_cast<milliseconds>(s.answered - since).count();
    }
  }
  return -1;
}

size_t LeaderSampler::Samples() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& s : samples_) n += s.size();
  return n;
}

}  // namespace roseyd::testing
