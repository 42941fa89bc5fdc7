// roseyd_store_bench: persisted events per second into each store, side by
// side in one run: SQLite (a file, roseyd's defaults) and PostgreSQL (a local
// server with its defaults: fsync and synchronous_commit on), through the
// real write path (EventWriter: group commit, the store's batch SQL).
//
// For each store and workload, --events events are submitted as fast as the
// queue takes them and the clock stops when the last one has committed;
// persisted ev/s = events / that time, the median of --trials runs, each on
// a fresh database. Workloads: "chat" (message.log lines from 100 joined
// users taking turns) and "mixed" (a channel's mix: mostly chat, with joins,
// leaves, user counts, high-water marks, status updates and PM commands)
// and "kv" (plugin kv.set writes of distinct keys, as the storage API sends
// them to the writer).
// PostgreSQL also runs "chat" one event at a time (no bulk statements), to
// show what the bulk path buys.
//
// Usage: roseyd_store_bench [--events N] [--trials T] [--batch N] [--store-url URL]
//   --store-url: an existing PostgreSQL database (its tables are created if
//   missing and its rows added to); default: a server of the bench's own.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "storage_api/kv.h"
#include "store/plugin_write.h"
#include "store/postgres/pg_writer.h"
#include "store/sqlite/sqlite_store.h"
#include "support/pg_client.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"
#include "writer/event_writer.h"

namespace {

using Clock = std::chrono::steady_clock;
using roseyd::store::Event;
using roseyd::store::EventWriter;
using roseyd::store::StoreWriter;

struct Args {
  int events = 200000;
  int trials = 3;
  int batch = 1024;  // store.batch_max_events
  std::string store_url;
};

constexpr const char* kUsage =
    "usage: roseyd_store_bench [--events N] [--trials T] [--batch N] [--store-url URL]\n"
    "  defaults: 200000 events, 3 trials, batches of up to 1024 events (roseyd's\n"
    "  store.batch_max_events), a PostgreSQL server of the bench's own\n";

Args ParseArgs(int argc, char** argv) {
  Args a;
  using roseyd::bench::PositiveInt;
  roseyd::bench::ParseBenchArgs(
      argc, argv, kUsage, {}, [&](const std::string& k, const std::string& v) {
        if (k == "--store-url") a.store_url = v;
        else if (k == "--events") a.events = PositiveInt(k, v, kUsage);
        else if (k == "--trials") a.trials = PositiveInt(k, v, kUsage);
        else if (k == "--batch") a.batch = PositiveInt(k, v, kUsage);
        else return false;
        return true;
      });
  return a;
}

constexpr int kUsers = 100;

std::string User(int u) { return "user" + std::to_string(u); }

// The users join first, so that every line also counts in user_stats.
std::vector<Event> Joins(int64_t now) {
  std::vector<Event> events;
  for (int u = 0; u < kUsers; ++u) {
    events.push_back(Event{roseyd::store::UserJoined{User(u)}, now, {}, 0});
  }
  return events;
}

std::vector<Event> Workload(const std::string& kind, int n, int64_t now) {
  using namespace roseyd::store;
  std::vector<Event> events = Joins(now);
  const std::string line = "a chat line of typical length, about sixty bytes long....";
  for (int i = 0; i < n; ++i) {
    const std::string user = User(i % kUsers);
    Write write = ChatMessage{user, line};
    if (kind == "kv") {
      write = std::make_shared<PluginWrite>(
          PluginCommand{roseyd::storage_api::KvSet{"bench", "key" + std::to_string(i), "42", {}}});
    }
    if (kind == "mixed") {
      // Of every 100 events: 88 chat lines, then a leave and a join, two
      // PM commands, a user count, a high-water mark, a status update...
      switch (i % 100) {
        case 10: write = UserLeft{user}; break;
        case 11: write = UserJoined{user}; break;
        case 20: write = UserAction{user, "pm_command", "cmd=skip, result: pending", now}; break;
        case 21: write = UserAction{user, "pm_command", "cmd=skip, result: success", now}; break;
        case 30: write = UserCount{40, 60}; break;
        case 31: write = HighWater{40 + i / 100, 60 + i / 100}; break;
        case 40: write = StatusUpdate{{{"bot_name", StatusValue{std::string("Rosey")}},
                                       {"current_chat_users", StatusValue{int64_t{40}}},
                                       {"bot_connected", StatusValue{int64_t{1}}}}};
          break;
        case 50: write = LogChat{user, line, std::nullopt}; break;
        default: break;
      }
    }
    events.push_back(Event{std::move(write), now + i / 10000, {}, 0});
  }
  return events;
}

// Submits every event and waits for the last commit; persisted ev/s of the
// workload's own events (the joins before it are not timed).
double Trial(std::unique_ptr<StoreWriter> store, std::vector<Event> events, int n, int batch) {
  roseyd::StoreConfig config;
  config.batch_max_events = batch;
  EventWriter writer(std::move(store), config, nullptr);
  writer.Start();
  uint64_t seq = 0;
  const size_t timed_from = events.size() - static_cast<size_t>(n);
  for (size_t i = 0; i < timed_from; ++i) (void)writer.Submit(std::move(events[i]), &seq);
  if (!writer.WaitCommitted(seq, Clock::now() + std::chrono::seconds(60)).ok()) {
    throw std::runtime_error("the joins did not commit");
  }
  const auto start = Clock::now();
  for (size_t i = timed_from; i < events.size(); ++i) {
    if (!writer.Submit(std::move(events[i]), &seq).ok()) throw std::runtime_error("submit failed");
  }
  if (!writer.WaitCommitted(seq, Clock::now() + std::chrono::seconds(300)).ok()) {
    throw std::runtime_error("the events did not commit within 300 s");
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  writer.Stop();
  return n / seconds;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

class Bench {
 public:
  explicit Bench(Args args) : args_(std::move(args)) {
    if (args_.store_url.empty()) {
      // PostgreSQL's defaults: fsync on, synchronous_commit on.
      server_ = std::make_unique<roseyd::testing::PostgresServer>(roseyd::testing::PostgresOptions{
          .settings = {}});
    }
  }

  void Run() {
    ReportPostgres();
    std::printf("%d events a run, batches of up to %d, median of %d runs, persisted events/s:\n",
                args_.events, args_.batch, args_.trials);
    for (const std::string workload : {"chat", "mixed", "kv"}) {
      Measure("sqlite", workload, [&] {
        auto dir = std::make_shared<roseyd::testing::TempDir>();
        dirs_.push_back(dir);
        return roseyd::store::OpenSqliteStore(roseyd::StoreConfig{}, dir->File("rosey.db"))
            ->OpenWriter();
      });
      Measure("postgresql", workload, [&] { return PostgresWriter(true); });
    }
    Measure("postgresql, no bulk", "chat", [&] { return PostgresWriter(false); });
  }

 private:
  void ReportPostgres() {
    roseyd::testing::PgClient client(PostgresUrl());
    std::printf("roseyd_store_bench: PostgreSQL %s (fsync %s, synchronous_commit %s), SQLite "
                "synchronous=normal in WAL mode\n",
                client.Text("SHOW server_version").value_or("?").c_str(),
                client.Text("SHOW fsync").value_or("?").c_str(),
                client.Text("SHOW synchronous_commit").value_or("?").c_str());
  }

  std::string PostgresUrl() {
    return args_.store_url.empty() ? server_->Url("postgres") : args_.store_url;
  }

  // A fresh database on the bench's own server; the given one otherwise.
  std::unique_ptr<StoreWriter> PostgresWriter(bool bulk) {
    std::string url = args_.store_url;
    if (url.empty()) {
      databases_.push_back(std::make_unique<roseyd::testing::TestDatabase>(server_.get()));
      url = databases_.back()->url();
    }
    auto writer = std::make_unique<roseyd::store::PostgresWriter>(url, "ROSEY_DB");
    writer->TEST_SetBulk(bulk);
    return writer;
  }

  void Measure(const std::string& store, const std::string& workload,
               const std::function<std::unique_ptr<StoreWriter>()>& open) {
    std::vector<double> trials;
    for (int t = 0; t < args_.trials; ++t) {
      trials.push_back(Trial(open(), Workload(workload, args_.events, 1'700'000'000 + t),
                             args_.events, args_.batch));
      databases_.clear();
      dirs_.clear();
    }
    std::printf("  %-22s %-6s %9.0f ev/s   (runs:", store.c_str(), workload.c_str(),
                Median(trials));
    for (const double r : trials) std::printf(" %.0f", r);
    std::printf(")\n");
    std::fflush(stdout);
  }

  Args args_;
  std::unique_ptr<roseyd::testing::PostgresServer> server_;
  std::vector<std::unique_ptr<roseyd::testing::TestDatabase>> databases_;
  std::vector<std::shared_ptr<roseyd::testing::TempDir>> dirs_;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    Bench bench(ParseArgs(argc, argv));
    bench.Run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roseyd_store_bench: %s\n", e.what());
    return 2;
  }
}
