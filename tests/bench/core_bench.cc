// roseyd_core_bench: the core issue's speed figures, measured end to end on
// this machine with a real nats-server and the real roseyd binary.
//
//   1. burst throughput: N message.log events (100 joined users taking turns)
//      published as fast as the client can; persisted events/s = N / (first
//      publish -> N rows counted in the file). Median of --trials runs.
//   2. sustained: a constant offered rate for a fixed window (open loop);
//      rows counted at the end, lost = sent - persisted; roseyd's CPU. The
//      publisher lets cnats coalesce its writes unless --send-asap, which
//      sends every event in its own write, as a bot does at chat rates.
//   3. request/reply: query.user_stats at a constant 1000/s, latency from each
//      request's intended send time to its reply (no coordinated omission);
//      all samples kept and sorted (exact percentiles).
//   4. RSS of the idle daemon, from /proc.
//
// Usage: roseyd_core_bench [--events N] [--rate R] [--seconds S]
//                          [--requests N] [--trials T] [--send-asap]

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "bench/bench_args.h"
#include "bench/roseyd_child.h"
#include "support/http_get.h"
#include "support/temp_dir.h"


namespace {

using roseyd::bench::Percentile;

using Clock = std::chrono::steady_clock;
using roseyd::bus::Connection;
using roseyd::bus::ConnectionOptions;

struct Args {
  int events = 300000;
  int rate = 100000;
  int seconds = 10;
  int requests = 5000;
  int trials = 3;
  bool send_asap = false;  // sustained publisher: one write per event
  std::string roseyd = ROSEYD_BINARY;
  std::string config = std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml";
};

constexpr const char* kUsage =
    "usage: roseyd_core_bench [--events N] [--rate R] [--seconds S] [--requests N] [--trials T]\n"
    "                         [--send-asap] [--roseyd PATH] [--config FILE]\n"
    "  defaults: 300000 burst events, 3 trials, 100000 ev/s for 10 s, 5000 requests at 1000/s\n"
    "  --send-asap: the sustained publisher sends each event in its own write\n"
    "  --roseyd PATH: the roseyd binary to measure (default: this build's), so two\n"
    "                 builds can be measured side by side in one run\n"
    "  --config FILE: the config it runs with (default: this tree's config/roseyd.yaml;\n"
    "                 an older build may not know every key of it)\n";

Args ParseArgs(int argc, char** argv) {
  Args a;
  using roseyd::bench::PositiveInt;
  roseyd::bench::ParseBenchArgs(
      argc, argv, kUsage, {"--send-asap"}, [&](const std::string& k, const std::string& v) {
        if (k == "--send-asap") a.send_asap = true;
        else if (k == "--roseyd") a.roseyd = v;
        else if (k == "--config") a.config = v;
        else if (k == "--events") a.events = PositiveInt(k, v, kUsage);
        else if (k == "--rate") a.rate = PositiveInt(k, v, kUsage);
        else if (k == "--seconds") a.seconds = PositiveInt(k, v, kUsage);
        else if (k == "--requests") a.requests = PositiveInt(k, v, kUsage);
        else if (k == "--trials") a.trials = PositiveInt(k, v, kUsage);
        else return false;
        return true;
      });
  return a;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// utime+stime of `pid` in seconds, and its RSS in bytes.
struct ProcStat {
  double cpu_seconds = 0;
  double rss_bytes = 0;
};

ProcStat ReadProc(pid_t pid) {
  ProcStat s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                             std::istream_iterator<std::string>());
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  if (f.size() > 22) {
    s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / tick;  // utime, stime
    s.rss_bytes = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  }
  return s;
}

class Bench {
 public:
  explicit Bench(const Args& args) : args_(args) {
    roseyd::bus::EmbeddedServerOptions options;
    options.port = 0;
    options.jetstream = false;
    nats_ = std::make_unique<roseyd::bus::EmbeddedServer>(options);
  }
  ~Bench() { StopRoseyd(); }

  void StartRoseyd() {
    db_dir_ = std::make_unique<roseyd::testing::TempDir>();
    roseyd_.Start(args_.roseyd,
                  {"run", "--config", args_.config, "--nats-url", nats_->url(), "--data-dir",
                   db_dir_->path(), "--metrics-listen",
                   "127.0.0.1:" + std::to_string(metrics_port_), "--set", "bench.run_at_start="},
                  db_dir_->File("roseyd.log"), std::chrono::seconds(5));
  }

  void StopRoseyd() { roseyd_.Stop(); }

  int64_t CountRows(const char* table) { return QueryInt(std::string("SELECT COUNT(*) FROM ") + table); }

  // The first column of the first row of `sql` on the daemon's file, or -1.
  int64_t QueryInt(const std::string& sql) {
    return roseyd::bench::QuerySqliteInt(db_dir_->File("rosey.db"), sql);
  }

  // One sample of roseyd's /metrics, or -1.
  double Metric(const std::string& series) {
    std::istringstream text(roseyd::testing::HttpGet("127.0.0.1", metrics_port_, "/metrics"));
    for (std::string line; std::getline(text, line);) {
      if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
    }
    return -1;
  }

  std::unique_ptr<Connection> Connect(bool send_asap) {
    ConnectionOptions options;
    options.url = nats_->url();
    options.name = "roseyd-bench";
    options.send_asap = send_asap;
    options.retry_on_failed_connect = false;
    return std::make_unique<Connection>(options);
  }

  // Waits until `table` holds `rows` rows or `timeout` passes; returns when it saw them.
  Clock::time_point WaitForRows(const char* table, int64_t rows, std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (CountRows(table) >= rows) return Clock::now();
      usleep(5000);
    }
    return Clock::time_point{};
  }

  // As in a channel: kUsers users who joined, taking turns to chat, so that
  // every line also counts in its user's user_stats row.
  static constexpr int kUsers = 100;

  void JoinUsers(Connection* publisher) {
    for (int u = 0; u < kUsers; ++u) {
      (void)publisher->Publish("rosey.db.user.joined", R"({"username":"user)" + std::to_string(u) + R"("})");
    }
    (void)publisher->Flush(std::chrono::milliseconds(10000));
    if (WaitForRows("user_stats", kUsers, std::chrono::seconds(30)) == Clock::time_point{}) {
      throw std::runtime_error("the bench users did not join");
    }
  }

  static std::vector<std::string> ChatLines() {
    std::vector<std::string> lines;
    for (int u = 0; u < kUsers; ++u) {
      lines.push_back(R"({"username":"user)" + std::to_string(u) +
                      R"(","message":"a chat line of typical length, about sixty bytes"})");
    }
    return lines;
  }

  double BurstTrial() {
    StartRoseyd();
    auto publisher = Connect(/*send_asap=*/false);
    JoinUsers(publisher.get());
    const std::vector<std::string> lines = ChatLines();
    const auto start = Clock::now();
    for (int i = 0; i < args_.events; ++i) {
      if (!publisher->Publish("rosey.db.message.log", lines[static_cast<size_t>(i % kUsers)]).ok()) {
        throw std::runtime_error("publish failed");
      }
    }
    (void)publisher->Flush(std::chrono::milliseconds(10000));
    const auto done = WaitForRows("recent_chat", args_.events, std::chrono::seconds(120));
    const int64_t rows = CountRows("recent_chat");
    const int64_t counted = QueryInt("SELECT SUM(total_chat_lines) FROM user_stats");
    const double commits = Metric("roseyd_commit_batch_size_count");
    const double batched = Metric("roseyd_commit_batch_size_sum");
    const double cpu = ReadProc(roseyd_.pid()).cpu_seconds;
    StopRoseyd();
    if (commits > 0) {
      std::printf("  %.0f commits, mean batch %.0f events, roseyd CPU %.2f us per event\n",
                  commits, batched / commits, 1e6 * cpu / args_.events);
    }
    if (done == Clock::time_point{}) {
      std::printf("  burst trial: only %lld of %d rows persisted within 120 s\n",
                  static_cast<long long>(rows), args_.events);
      return 0;
    }
    const double seconds = std::chrono::duration<double>(done - start).count();
    std::printf("  burst trial: %d events, %lld rows (user_stats counts %lld lines), %.3f s, "
                "%.0f persisted events/s\n",
                args_.events, static_cast<long long>(rows), static_cast<long long>(counted), seconds,
                args_.events / seconds);
    return args_.events / seconds;
  }

  void Sustained() {
    StartRoseyd();
    auto publisher = Connect(args_.send_asap);
    JoinUsers(publisher.get());
    const std::vector<std::string> lines = ChatLines();
    const int64_t total = static_cast<int64_t>(args_.rate) * args_.seconds;
    const auto interval = std::chrono::nanoseconds(1'000'000'000LL / args_.rate);
    const ProcStat before = ReadProc(roseyd_.pid());
    const auto start = Clock::now();
    int64_t sent = 0;
    int64_t late_slots = 0;
    while (sent < total) {
      // Open loop: send every event whose slot has come, however late we are.
      const auto now = Clock::now();
      const int64_t due = std::min<int64_t>(total, (now - start) / interval + 1);
      if (due - sent > 1000) ++late_slots;
      for (; sent < due; ++sent) {
        (void)publisher->Publish("rosey.db.message.log", lines[static_cast<size_t>(sent % kUsers)]);
      }
      std::this_thread::sleep_until(start + interval * (sent + 1));
    }
    (void)publisher->Flush(std::chrono::milliseconds(10000));
    const auto sent_done = Clock::now();
    const auto persisted_done = WaitForRows("recent_chat", total, std::chrono::seconds(60));
    const ProcStat after = ReadProc(roseyd_.pid());
    const int64_t rows = CountRows("recent_chat");
    const auto end = persisted_done == Clock::time_point{} ? Clock::now() : persisted_done;
    const double window = std::chrono::duration<double>(sent_done - start).count();
    const double span = std::chrono::duration<double>(end - start).count();
    const double cpu = after.cpu_seconds - before.cpu_seconds;
    StopRoseyd();
    std::printf("sustained: offered %d ev/s for %d s%s: sent %lld, persisted %lld, lost %lld\n",
                args_.rate, args_.seconds, args_.send_asap ? " (send-asap)" : "",
                static_cast<long long>(total),
                static_cast<long long>(rows), static_cast<long long>(total - rows));
    std::printf("  publisher: %.2f s to send (%.0f ev/s%s)\n", window, total / window,
                late_slots ? ", fell behind its schedule" : "");
    std::printf("  persisted: last row %.2f s after the first send, %.0f persisted ev/s over "
                "that span (%.2f s behind the sender at the end)\n",
                span, static_cast<double>(rows) / span, span - window);
    std::printf("  roseyd CPU over that span: %.2f s = %.1f %% of one core, %.2f us per event\n",
                cpu, 100.0 * cpu / span, 1e6 * cpu / static_cast<double>(total));
  }

  void RequestLatency() {
    StartRoseyd();
    auto client = Connect(/*send_asap=*/true);
    (void)client->Publish("rosey.db.user.joined", R"({"username":"bench"})");
    const auto interval = std::chrono::microseconds(1000);  // 1000 requests/s
    std::vector<double> latencies_ms;
    latencies_ms.reserve(static_cast<size_t>(args_.requests));
    int failures = 0;
    std::string reply;
    const auto start = Clock::now() + std::chrono::milliseconds(100);
    for (int i = 0; i < args_.requests; ++i) {
      const auto intended = start + interval * i;
      std::this_thread::sleep_until(intended);
      const roseyd::Status s = client->Request("rosey.db.query.user_stats",
                                               R"({"username":"bench"})",
                                               std::chrono::milliseconds(2000), &reply);
      if (!s.ok() || reply.find("\"found\":true") == std::string::npos) {
        ++failures;
        continue;
      }
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - intended).count());
    }
    std::sort(latencies_ms.begin(), latencies_ms.end());
    std::printf("request/reply query.user_stats at 1000 req/s, %d requests, %d failed "
                "(latency from intended send time, exact percentiles):\n",
                args_.requests, failures);
    std::printf("  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms\n",
                Percentile(latencies_ms, 50), Percentile(latencies_ms, 90),
                Percentile(latencies_ms, 99), Percentile(latencies_ms, 99.9),
                latencies_ms.empty() ? 0 : latencies_ms.back());
    // Idle RSS after the requests: the daemon's steady footprint with data loaded.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const ProcStat idle = ReadProc(roseyd_.pid());
    std::printf("idle RSS: %.1f MB\n", idle.rss_bytes / 1e6);
    StopRoseyd();
  }

  void Run() {
    std::printf("roseyd_core_bench: nats-server %s, roseyd %s, %u cores\n", nats_->url().c_str(),
                args_.roseyd.c_str(), std::thread::hardware_concurrency());
    std::vector<double> trials;
    std::printf("burst: %d message.log events, %d trials\n", args_.events, args_.trials);
    for (int t = 0; t < args_.trials; ++t) trials.push_back(BurstTrial());
    std::printf("  median: %.0f persisted events/s\n", Median(trials));
    Sustained();
    RequestLatency();
  }

 private:
  Args args_;
  std::unique_ptr<roseyd::bus::EmbeddedServer> nats_;
  std::unique_ptr<roseyd::testing::TempDir> db_dir_;
  roseyd::bench::RoseydChild roseyd_;  // stopped before db_dir_ goes
  int metrics_port_ = roseyd::bus::FindFreePort();
};

}  // namespace

int main(int argc, char** argv) {
  try {
    roseyd::bus::NatsLibrary library;
    Bench bench(ParseArgs(argc, argv));
    bench.Run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roseyd_core_bench: %s\n", e.what());
    return 2;
  }
}
