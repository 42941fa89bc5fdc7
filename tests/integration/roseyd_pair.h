#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/chat_publisher.h"
#include "integration/roseyd_process.h"

namespace roseyd::testing {

// Durable mode on the command line.
extern const std::vector<std::string> kDurable;

// The arguments that point a second roseyd at `leader`'s NATS and database.
std::vector<std::string> Beside(const RoseydWorld& leader, std::vector<std::string> args);

// Waits (30 s at most) until `world`'s database holds every line
// `publisher` sent, then checks each is there once and prints the counts.
void ExpectEachLineOnce(const RoseydWorld& world, ChatPublisher* publisher, int total);

// Milliseconds from `since` until `follower` reports that it leads (10 s at
// most); -1 if it never did.
int64_t MillisUntilLeading(const RoseydWorld& follower,
                           std::chrono::steady_clock::time_point since);

// Two roseyd on one PostgreSQL database and one nats-server: the leader
// started first (it takes the claim), then the follower beside it.
struct RoseydPair {
  // `server`: a PostgreSQL server of the test's own; null: the shared one.
  explicit RoseydPair(PostgresServer* server = nullptr) : leader(StoreKind::kPostgres, server) {}

  // With `jetstream`, durable mode for both unless `leader_args` says otherwise.
  void Start(bool jetstream = true, const std::vector<std::string>& leader_args = kDurable);
  // `lines` numbered lines at up to 20,000/s (after a join of their user).
  std::unique_ptr<ChatPublisher> PublishChat(int lines = kLines);
  void ExpectCleanStops();

  static constexpr int kLines = 30000;
  RoseydWorld leader;
  RoseydWorld follower;
};

// Scrapes roseyd_store_leader of each roseyd every 50 ms, each on a thread
// of its own (a stopped process holds its scrape until it wakes). A sample
// is the interval from asking to the answer; two samples of 1 from two
// roseyd whose intervals overlap would be two leaders at once.
class LeaderSampler {
 public:
  explicit LeaderSampler(std::vector<const RoseydWorld*> worlds);
  ~LeaderSampler() { Stop(); }

  LeaderSampler(const LeaderSampler&) = delete;
  LeaderSampler& operator=(const LeaderSampler&) = delete;

  void Stop();
  // Pairs of overlapping samples of 1 from different roseyd.
  int TwoLeaders();
  // Milliseconds from `since` to the first answer of world `i` after it
  // that read `value`; -1 if none did. (A scrape held by a stopped process
  // is answered, and computed, after it wakes.)
  int64_t MillisUntil(size_t i, double value, std::chrono::steady_clock::time_point since);
  size_t Samples();

 private:
  struct Sample {
    std::chrono::steady_clock::time_point asked;
    std::chrono::steady_clock::time_point answered;
    double value;
  };
  std::mutex mu_;
  std::vector<std::vector<Sample>> samples_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

}  // namespace roseyd::testing
