// roseyd_read_bench: what durable mode adds to a read, side by side.
//
// One nats-server (JetStream on) and two roseyd on it: one on core NATS,
// one with service.durability: jetstream (a subject prefix of its own), each
// with its own SQLite file. A raw NATS echo responder runs in this process.
// Each round sends the same read, open loop at --rate per target, to the
// echo, the core roseyd and the durable roseyd at once, each from a
// connection and thread of its own, offset by a third of an interval, so
// that a stall of this shared machine falls on all three alike. Latency is
// from each request's actual send to its reply; all samples are kept
// (exact percentiles). The figure is the durable/core ratio of the median
// and of the p99, the median over --rounds rounds (issue 20's target: at
// most 1.5 and 2).
//
// Usage: roseyd_read_bench [--rates 1000,5000] [--seconds S] [--rounds R]
//                          [--roseyd PATH] [--set KEY=VALUE]...

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/mutex.h"
#include "bench/bench_args.h"
#include "bench/roseyd_child.h"
#include "bus/connection.h"
#include "bus/embedded_server.h"
#include "bus/nats_library.h"
#include "bus/subscription.h"
#include "support/temp_dir.h"

namespace {

using roseyd::bench::Percentile;
using roseyd::bus::Connection;
using roseyd::bus::ConnectionOptions;
using Clock = std::chrono::steady_clock;

struct Args {
  std::vector<int> rates = {1000, 5000};
  double seconds = 3;
  int rounds = 3;
  std::string roseyd = ROSEYD_BINARY;
  std::vector<std::string> sets;  // --set KEY=VALUE for both roseyd
};

constexpr const char* kUsage =
    "usage: roseyd_read_bench [--rates 1000,5000] [--seconds S] [--rounds R] [--roseyd PATH]\n"
    "                         [--set KEY=VALUE]...\n"
    "  defaults: 3 rounds of 3 s at each rate (requests/s to each target);\n"
    "  --set applies to both roseyd\n";

Args ParseArgs(int argc, char** argv) {
  Args a;
  roseyd::bench::ParseBenchArgs(
      argc, argv, kUsage, {}, [&](const std::string& k, const std::string& v) {
        if (k == "--roseyd") {
          a.roseyd = v;
        } else if (k == "--set") {
          a.sets.push_back(v);
        } else if (k == "--rates") {
          a.rates.clear();
          std::stringstream in(v);
          for (std::string r; std::getline(in, r, ',');) {
            a.rates.push_back(roseyd::bench::PositiveInt("--rates", r, kUsage));
          }
        } else if (k == "--seconds") {
          a.seconds = std::atof(v.c_str());
          if (a.seconds <= 0) throw std::runtime_error("--seconds must be positive");
        } else if (k == "--rounds") {
          a.rounds = roseyd::bench::PositiveInt(k, v, kUsage);
        } else {
          return false;
        }
        return true;
      });
  return a;
}

// One target's open-loop requests: reply subject <inbox>.<index>, each
// reply timed against its request's actual send.
class Stream {
 public:
  Stream(std::unique_ptr<Connection> connection, std::string subject, std::string payload,
         std::string expect, size_t count)
      : connection_(std::move(connection)),
        subject_(std::move(subject)),
        payload_(std::move(payload)),
        expect_(std::move(expect)),
        inbox_(Connection::NewInbox()),
        sent_at_(count),
        latency_ms_(count, -1) {
    subscription_ =
        connection_->Subscribe(inbox_ + ".*", "", [this](const roseyd::bus::Message& m) {
          const auto now = Clock::now();
          const size_t i = std::strtoull(m.subject.substr(inbox_.size() + 1).data(), nullptr, 10);
          roseyd::MutexLock lock(&mu_);
          if (i >= sent_at_.size()) return;
          if (m.data.find(expect_) == std::string_view::npos) {
            ++answered_;  // answered, though not as expected: nothing to wait for
            answered_cv_.SignalAll();
            return;
          }
          if (latency_ms_[i] < 0) ++answered_;
          latency_ms_[i] = std::chrono::duration<double, std::milli>(now - sent_at_[i]).count();
          answered_cv_.SignalAll();
        });
    (void)connection_->Flush(std::chrono::milliseconds(2000));
  }

  // Sends request i at `at` (sleeping until then).
  void Run(Clock::time_point start, std::chrono::nanoseconds interval) {
    for (size_t i = 0; i < sent_at_.size(); ++i) {
      std::this_thread::sleep_until(start + interval * i);
      {
        roseyd::MutexLock lock(&mu_);
        sent_at_[i] = Clock::now();
      }
      (void)connection_->PublishRequest(subject_, inbox_ + "." + std::to_string(i), payload_);
    }
  }

  // Until every request is answered, or `deadline`.
  void WaitAnswered(Clock::time_point deadline) {
    roseyd::MutexLock lock(&mu_);
    while (answered_ < latency_ms_.size() && answered_cv_.WaitUntil(deadline)) {
    }
  }

  // The answered latencies, sorted; unanswered and failed in *missing.
  std::vector<double> Latencies(size_t* missing) {
    roseyd::MutexLock lock(&mu_);
    std::vector<double> ms;
    for (double l : latency_ms_) {
      if (l >= 0) ms.push_back(l);
    }
    *missing = latency_ms_.size() - ms.size();
    std::sort(ms.begin(), ms.end());
    return ms;
  }

 private:
  const std::unique_ptr<Connection> connection_;
  const std::string subject_, payload_, expect_, inbox_;
  roseyd::Mutex mu_;
  std::vector<Clock::time_point> sent_at_ GUARDED_BY(mu_);
  std::vector<double> latency_ms_ GUARDED_BY(mu_);
  roseyd::CondVar answered_cv_{&mu_};
  size_t answered_ GUARDED_BY(mu_) = 0;
  std::unique_ptr<roseyd::bus::Subscription> subscription_;  // last: unsubscribed first
};

struct Read {
  const char* name;
  std::string suffix;  // after the subject prefix
  std::string payload;
  std::string expect;  // in a successful reply
};

class Bench {
 public:
  explicit Bench(const Args& args) : args_(args) {
    roseyd::bus::EmbeddedServerOptions options;
    options.port = 0;
    options.store_dir = dir_.File("jetstream");
    nats_ = std::make_unique<roseyd::bus::EmbeddedServer>(options);
    StartRoseyd(&core_, "core", {});
    StartRoseyd(&durable_, "durable", {"--set", "service.durability=jetstream"});
    auto responder = Connect();
    Connection* out = responder.get();
    echo_subscription_ = responder->Subscribe(
        "bench.echo", "",
        [out](const roseyd::bus::Message& m) { (void)out->Publish(m.reply, m.data); });
    (void)responder->Flush(std::chrono::milliseconds(2000));
    responder_ = std::move(responder);
    client_ = Connect();
  }

  void Run() {
    std::printf("roseyd_read_bench: nats-server %s, roseyd %s, %u cores\n", nats_->url().c_str(),
                args_.roseyd.c_str(), std::thread::hardware_concurrency());
    const std::vector<Read> reads = {
        {"user_stats", "query.user_stats", R"({"username":"bench_user"})", R"("success")"},
        {"kv.get", "kv.get", R"({"plugin_name":"bench","key":"k"})", R"("exists": true)"},
    };
    for (const std::string prefix : {"core.db", "durable.db"}) {
      std::string reply;
      (void)client_->Request(prefix + ".kv.set", R"({"plugin_name":"bench","key":"k","value":42})",
                             std::chrono::milliseconds(2000), &reply);
    }
    for (const Read& read : reads) {
      for (int rate : args_.rates) Measure(read, rate);
    }
  }

 private:
  std::unique_ptr<Connection> Connect() {
    ConnectionOptions options;
    options.url = nats_->url();
    options.name = "roseyd-read-bench";
    options.send_asap = true;
    options.retry_on_failed_connect = false;
    return std::make_unique<Connection>(options);
  }

  void StartRoseyd(roseyd::bench::RoseydChild* child, const std::string& name,
                   std::vector<std::string> extra) {
    std::vector<std::string> run = {"run",
                                    "--config",
                                    std::string(ROSEYD_SOURCE_DIR) + "/config/roseyd.yaml",
                                    "--nats-url",
                                    nats_->url(),
                                    "--data-dir",
                                    dir_.File(name),
                                    "--metrics-listen",
                                    "",
                                    "--set",
                                    "bench.run_at_start=",
                                    "--set",
                                    "service.subject_prefix=" + name + ".db"};
    for (const std::string& set : args_.sets) {
      run.push_back("--set");
      run.push_back(set);
    }
    run.insert(run.end(), extra.begin(), extra.end());
    child->Start(args_.roseyd, run, dir_.File(name + ".log"), std::chrono::seconds(10));
  }

  void Measure(const Read& read, int rate) {
    const auto interval = std::chrono::nanoseconds(1'000'000'000LL / rate);
    const auto count = static_cast<size_t>(args_.seconds * rate);
    std::vector<double> p50_ratio, p99_ratio;
    std::printf("%s at %d req/s to each target, %zu requests a round:\n", read.name, rate, count);
    for (int round = 1; round <= args_.rounds; ++round) {
      Stream echo(Connect(), "bench.echo", read.payload, "", count);
      Stream core(Connect(), "core.db." + read.suffix, read.payload, read.expect, count);
      Stream durable(Connect(), "durable.db." + read.suffix, read.payload, read.expect, count);
      const auto start = Clock::now() + std::chrono::milliseconds(100);
      std::thread a([&] { echo.Run(start, interval); });
      std::thread b([&] { core.Run(start + interval / 3, interval); });
      durable.Run(start + 2 * interval / 3, interval);
      a.join();
      b.join();
      const auto replies_by = Clock::now() + std::chrono::seconds(2);
      for (Stream* s : {&echo, &core, &durable}) s->WaitAnswered(replies_by);
      size_t missing[3];
      const std::vector<double> e = echo.Latencies(&missing[0]);
      const std::vector<double> c = core.Latencies(&missing[1]);
      const std::vector<double> d = durable.Latencies(&missing[2]);
      std::printf("  round %d: p50/p99 ms  echo %.3f/%.3f  core %.3f/%.3f  durable %.3f/%.3f",
                  round, Percentile(e, 50), Percentile(e, 99), Percentile(c, 50), Percentile(c, 99),
                  Percentile(d, 50), Percentile(d, 99));
      if (missing[0] + missing[1] + missing[2] > 0) {
        std::printf("  (unanswered or failed: echo %zu, core %zu, durable %zu)", missing[0],
                    missing[1], missing[2]);
      }
      std::printf("\n");
      if (!c.empty() && !d.empty()) {
        p50_ratio.push_back(Percentile(d, 50) / Percentile(c, 50));
        p99_ratio.push_back(Percentile(d, 99) / Percentile(c, 99));
      }
    }
    std::sort(p50_ratio.begin(), p50_ratio.end());
    std::sort(p99_ratio.begin(), p99_ratio.end());
    if (p50_ratio.empty()) return;
    std::printf(
        "  durable/core, median of %zu rounds [min, max]: p50 %.2f [%.2f, %.2f] "
        "(target at most 1.5), p99 %.2f [%.2f, %.2f] (target at most 2)\n",
        p50_ratio.size(), Percentile(p50_ratio, 50), p50_ratio.front(), p50_ratio.back(),
        Percentile(p99_ratio, 50), p99_ratio.front(), p99_ratio.back());
  }

  Args args_;
  roseyd::testing::TempDir dir_;
  std::unique_ptr<roseyd::bus::EmbeddedServer> nats_;
  roseyd::bench::RoseydChild core_, durable_;  // stopped before dir_ goes
  std::unique_ptr<Connection> responder_;
  std::unique_ptr<roseyd::bus::Subscription> echo_subscription_;
  std::unique_ptr<Connection> client_;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    roseyd::bus::NatsLibrary library;
    spdlog::set_level(spdlog::level::warn);  // not a line per connection
    Bench bench(ParseArgs(argc, argv));
    bench.Run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roseyd_read_bench: %s\n", e.what());
    return 2;
  }
}
