// roseyd_storage_bench: the plugin storage API's speed figures, end to end
// on this machine with a real nats-server and the real roseyd binary.
//
//   1. kv.get latency at a constant 1000 req/s against a raw NATS echo round
//      trip at the same rate (a responder in this process that sends each
//      payload back), both at once on two connections, so that this shared
//      machine's stalls fall on both alike (measured one after the other, a
//      stall in one window and not the other made the ratio anything from 0.9
//      to 37): from each request's intended send time to its reply, all
//      samples kept and sorted (exact percentiles), in --rounds rounds.
//      Target: kv.get p99 within 1.5x of the echo's (the median round).
//   2. kv.set throughput, persisted: distinct keys, each request answered
//      after its commit, with --window requests in flight (a client with
//      bounded concurrency); kv.set/s = N / (first send -> last reply), and
//      the rows counted in the file. Target: >= 50,000 kv.set/s.
//   3. The same sets published without a reply subject (still executed),
//      until their rows are counted in the file.
//
// Usage: roseyd_storage_bench [--requests N] [--rounds R] [--sets N] [--window W]
//                             [--roseyd PATH]

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_args.h"
#include "bench/roseyd_child.h"
#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"
#include "support/temp_dir.h"

namespace {

using roseyd::bench::Percentile;

using Clock = std::chrono::steady_clock;
using roseyd::bus::Connection;
using roseyd::bus::ConnectionOptions;

struct Args {
  int requests = 5000;
  int rounds = 3;
  int sets = 200000;
  int window = 2000;
  std::string roseyd = ROSEYD_BINARY;
};

constexpr const char* kUsage =
    "usage: roseyd_storage_bench [--requests N] [--rounds R] [--sets N] [--window W]\n"
    "                            [--roseyd PATH]\n"
    "  defaults: 3 rounds of 5000 requests at 1000/s, 200000 kv.set with 2000 in flight\n";

Args ParseArgs(int argc, char** argv) {
  Args a;
  using roseyd::bench::PositiveInt;
  roseyd::bench::ParseBenchArgs(
      argc, argv, kUsage, {}, [&](const std::string& k, const std::string& v) {
        if (k == "--roseyd") a.roseyd = v;
        else if (k == "--requests") a.requests = PositiveInt(k, v, kUsage);
        else if (k == "--rounds") a.rounds = PositiveInt(k, v, kUsage);
        else if (k == "--sets") a.sets = PositiveInt(k, v, kUsage);
        else if (k == "--window") a.window = PositiveInt(k, v, kUsage);
        else return false;
        return true;
      });
  return a;
}

// The daemon, its file and a client connection.
class Bench {
 public:
  explicit Bench(const Args& args) : args_(args) {
    roseyd::bus::EmbeddedServerOptions options;
    options.port = 0;
    options.jetstream = false;
    nats_ = std::make_unique<roseyd::bus::EmbeddedServer>(options);
    StartRoseyd();
    client_ = Connect(/*send_asap=*/true);
  }
  ~Bench() { StopRoseyd(); }

  void Run() {
    std::printf("roseyd_storage_bench: nats-server %s, roseyd %s, %u cores\n", nats_->url().c_str(),
                args_.roseyd.c_str(), std::thread::hardware_concurrency());
    std::vector<double> ratios;
    for (int round = 1; round <= args_.rounds; ++round) {
      std::vector<double> echo, get;
      SideBySide(&echo, &get);
      std::printf("round %d of %d:\n", round, args_.rounds);
      Print("raw NATS echo round trip", echo);
      Print("kv.get", get);
      const double ratio =
          Percentile(echo, 99) > 0 ? Percentile(get, 99) / Percentile(echo, 99) : 0;
      std::printf("  kv.get p99 / echo p99 = %.2f\n", ratio);
      ratios.push_back(ratio);
    }
    std::sort(ratios.begin(), ratios.end());
    const double median = Percentile(ratios, 50);
    std::printf("kv.get p99 / echo p99, median of %d rounds = %.2f (target: at most 1.5): %s\n",
                args_.rounds, median, median <= 1.5 ? "met" : "NOT met");
    SetThroughput();
    FireAndForget();
  }

 private:
  void StartRoseyd() {
    roseyd_.Start(args_.roseyd,
                  {"run", "--config", std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml",
                   "--nats-url", nats_->url(), "--data-dir", dir_.path(), "--metrics-listen", "",
                   "--set", "bench.run_at_start="},
                  dir_.File("roseyd.log"), std::chrono::seconds(10));
  }

  void StopRoseyd() { roseyd_.Stop(); }

  std::unique_ptr<Connection> Connect(bool send_asap) {
    ConnectionOptions options;
    options.url = nats_->url();
    options.name = "roseyd-storage-bench";
    options.send_asap = send_asap;
    options.retry_on_failed_connect = false;
    return std::make_unique<Connection>(options);
  }

  int64_t KvRows() {
    return roseyd::bench::QuerySqliteInt(dir_.File("rosey.db"),
                                         "SELECT COUNT(*) FROM plugin_kv_storage");
  }

  // Synchronous requests at 1000/s on `client` from `start`, latency from
  // each intended send time.
  std::vector<double> Latencies(Connection* client, Clock::time_point start,
                                const std::string& subject, const std::string& payload,
                                const char* expect) {
    const auto interval = std::chrono::microseconds(1000);
    std::vector<double> ms;
    ms.reserve(static_cast<size_t>(args_.requests));
    int failures = 0;
    std::string reply;
    for (int i = 0; i < args_.requests; ++i) {
      const auto intended = start + interval * i;
      std::this_thread::sleep_until(intended);
      const roseyd::Status s =
          client->Request(subject, payload, std::chrono::milliseconds(2000), &reply);
      if (!s.ok() || reply.find(expect) == std::string::npos) {
        ++failures;
        continue;
      }
      ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - intended).count());
    }
    if (failures > 0) std::printf("  %s: %d requests failed\n", subject.c_str(), failures);
    std::sort(ms.begin(), ms.end());
    return ms;
  }

  // The echo and kv.get, each at 1000/s, at the same time: kv.get half an
  // interval after each echo, each on a connection of its own.
  void SideBySide(std::vector<double>* echo, std::vector<double>* get) {
    auto responder = Connect(/*send_asap=*/true);
    Connection* out = responder.get();
    auto subscription = responder->Subscribe(
        "bench.echo", "",
        [out](const roseyd::bus::Message& m) { (void)out->Publish(m.reply, m.data); });
    (void)responder->Flush(std::chrono::milliseconds(2000));
    auto echo_client = Connect(/*send_asap=*/true);
    std::string reply;
    (void)client_->Request("rosey.db.kv.set", R"({"plugin_name":"bench","key":"k","value":42})",
                           std::chrono::milliseconds(2000), &reply);
    const auto start = Clock::now() + std::chrono::milliseconds(100);
    std::thread echo_thread([&] {
      *echo = Latencies(echo_client.get(), start, "bench.echo",
                        R"({"plugin_name":"bench","key":"k"})", "bench");
    });
    *get = Latencies(client_.get(), start + std::chrono::microseconds(500), "rosey.db.kv.get",
                     R"({"plugin_name":"bench","key":"k"})", R"("exists": true)");
    echo_thread.join();
  }

  static void Print(const char* what, const std::vector<double>& ms) {
    std::printf("%s at 1000 req/s, %zu replies (from intended send time, exact percentiles):\n",
                what, ms.size());
    std::printf("  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms\n",
                Percentile(ms, 50), Percentile(ms, 90), Percentile(ms, 99), Percentile(ms, 99.9),
                ms.empty() ? 0 : ms.back());
  }

  static std::string SetPayload(int i) {
    return R"({"plugin_name":"bench","key":"set-)" + std::to_string(i) + R"(","value":{"n":)" +
           std::to_string(i) + R"(,"text":"a value of typical size"}})";
  }

  void SetThroughput() {
    auto connection = Connect(/*send_asap=*/false);  // bulk: cnats coalesces the writes
    std::atomic<int> replies{0};
    std::atomic<int> failed{0};
    const std::string inbox = Connection::NewInbox();
    auto subscription = connection->Subscribe(inbox, "", [&](const roseyd::bus::Message& m) {
      if (m.data.find(R"("success": true)") == std::string_view::npos) failed.fetch_add(1);
      replies.fetch_add(1);
    });
    (void)connection->Flush(std::chrono::milliseconds(2000));
    const int64_t rows_before = KvRows();
    const auto start = Clock::now();
    for (int i = 0; i < args_.sets; ++i) {
      while (i - replies.load() >= args_.window) std::this_thread::yield();
      (void)connection->PublishRequest("rosey.db.kv.set", inbox, SetPayload(i));
    }
    (void)connection->Flush(std::chrono::milliseconds(10000));
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (replies.load() < args_.sets && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const int64_t rows = KvRows() - rows_before;
    std::printf(
        "kv.set, distinct keys, %d in flight: %d sent, %d replies (%d failed), %lld rows; "
        "%.2f s = %.0f persisted kv.set/s (target: at least 50,000): %s\n",
        args_.window, args_.sets, replies.load(), failed.load(), static_cast<long long>(rows),
        seconds, replies.load() / seconds, replies.load() / seconds >= 50000 ? "met" : "NOT met");
  }

  void FireAndForget() {
    auto connection = Connect(/*send_asap=*/false);
    const int64_t rows_before = KvRows();
    const auto start = Clock::now();
    for (int i = 0; i < args_.sets; ++i) {
      (void)connection->Publish("rosey.db.kv.set", SetPayload(args_.sets + i));
    }
    (void)connection->Flush(std::chrono::milliseconds(10000));
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    int64_t rows = 0;
    // Counting rows reads the whole table: often enough, not so often that
    // the count itself takes the CPU the writer needs.
    while ((rows = KvRows() - rows_before) < args_.sets && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf(
        "kv.set without a reply subject: %d published, %lld rows in %.2f s = %.0f "
        "persisted kv.set/s\n",
        args_.sets, static_cast<long long>(rows), seconds, rows / seconds);
  }

  Args args_;
  roseyd::testing::TempDir dir_;
  std::unique_ptr<roseyd::bus::EmbeddedServer> nats_;
  roseyd::bench::RoseydChild roseyd_;  // stopped before dir_ goes
  std::unique_ptr<Connection> client_;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    roseyd::bus::NatsLibrary library;
    Bench bench(ParseArgs(argc, argv));
    bench.Run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roseyd_storage_bench: %s\n", e.what());
    return 2;
  }
}
