// Faults injected into a running roseyd: the NATS server restarted under
// load, a full disk, and a writer that cannot commit. Each test counts what
// was sent, persisted, lost and duplicated and prints the figures (quoted in
// docs/FAULTS.md); the assertions are on counts and states, never on speed.

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/roseyd_process.h"
#include "integration/sqlite_write_lock.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kChatSubject[] = "rosey.db.message.log";
// Every message starts with its number; CAST(message AS INTEGER) reads it back.
constexpr char kNumberSql[] = "CAST(message AS INTEGER)";

std::string ChatEvent(int64_t number, size_t padding = 0) {
  json event = {{"username", "fault"},
                {"message", std::to_string(number) + (padding ? " " : "") +
                                std::string(padding, 'x')}};
  return event.dump();
}

double PersistedChat(const RoseydWorld& world) {
  return world.Metric("roseyd_events_persisted_total{subject=\"message.log\"}");
}

double ReceivedChat(const RoseydWorld& world) {
  return world.Metric("roseyd_events_received_total{subject=\"message.log\"}");
}

// Publishes events first..first+count-1 while the disk refuses writes; true
// once roseyd has received them all and counted a failed write.
bool PublishWhileTheWriterFails(RoseydWorld* world, int64_t first, int64_t count,
                                size_t padding) {
  for (int64_t i = first; i < first + count; ++i) {
    world->Publish(kChatSubject, ChatEvent(i, padding));
  }
  if (!world->client().Flush(milliseconds(5000)).ok()) return false;
  return RoseydWorld::WaitFor([&] {
    return ReceivedChat(*world) == static_cast<double>(first + count) &&
           world->Metric("roseyd_write_errors_total") >= 1;
  });
}

// The message numbers in recent_chat, ascending (the test opens the file read-only).
std::vector<int64_t> PersistedNumbers(const std::string& db_path) {
  std::vector<int64_t> numbers;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = std::string("SELECT ") + kNumberSql + " FROM recent_chat ORDER BY 1";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) numbers.push_back(sqlite3_column_int64(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return numbers;
}

// What reached the file out of events numbered 0..sent-1.
struct Tally {
  int64_t sent = 0;
  int64_t persisted = 0;   // distinct numbers in the file
  int64_t duplicated = 0;  // rows beyond the first for a number
  int64_t lost = 0;        // sent - persisted
  int64_t first_lost = -1;
  int64_t last_lost = -1;
  std::string lost_ranges;  // "a..b c..d", ascending
};

Tally Count(const std::string& db_path, int64_t sent) {
  const std::vector<int64_t> numbers = PersistedNumbers(db_path);
  Tally t;
  t.sent = sent;
  std::vector<char> seen(static_cast<size_t>(sent), 0);
  for (const int64_t n : numbers) {
    if (n < 0 || n >= sent) continue;
    if (seen[static_cast<size_t>(n)]++) ++t.duplicated;
  }
  for (int64_t n = 0; n < sent; ++n) {
    if (seen[static_cast<size_t>(n)]) {
      ++t.persisted;
      continue;
    }
    if (t.first_lost < 0) t.first_lost = n;
    if (n == 0 || seen[static_cast<size_t>(n - 1)]) {
      if (!t.lost_ranges.empty()) t.lost_ranges += ' ';
      t.lost_ranges += std::to_string(n) + "..";
    }
    if (n + 1 == sent || seen[static_cast<size_t>(n + 1)]) t.lost_ranges += std::to_string(n);
    t.last_lost = n;
  }
  t.lost = sent - t.persisted;
  return t;
}

// Prints the figures into the ctest output and records them in the XML report.
void Report(const char* fault, const Tally& t, const std::string& more) {
  std::printf("[fault figures] %s: sent=%lld persisted=%lld lost=%lld duplicated=%lld", fault,
              static_cast<long long>(t.sent), static_cast<long long>(t.persisted),
              static_cast<long long>(t.lost), static_cast<long long>(t.duplicated));
  if (t.lost > 0) {
    std::printf(" lost_numbers=%s", t.lost_ranges.c_str());
  }
  std::printf(" %s\n", more.c_str());
  std::fflush(stdout);
  ::testing::Test::RecordProperty("sent", std::to_string(t.sent));
  ::testing::Test::RecordProperty("persisted", std::to_string(t.persisted));
  ::testing::Test::RecordProperty("lost", std::to_string(t.lost));
  ::testing::Test::RecordProperty("duplicated", std::to_string(t.duplicated));
}

std::string Integrity(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    result.clear();
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        result += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      }
    } else {
      result = sqlite3_errmsg(db);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

off_t FileSize(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

// Publishes numbered message.log events on its own connection, one every
// `interval`, from its own thread, until Stop(). Numbers go to the events the
// client accepted, 0, 1, 2... (a refused publish is retried with the same
// number and counted in refused()).
class SteadyPublisher {
 public:
  SteadyPublisher(const std::string& url, std::chrono::microseconds interval)
      : connection_(Options(url)), interval_(interval), thread_([this] { Run(); }) {}
  ~SteadyPublisher() { Stop(); }

  int64_t sent() const { return sent_.load(); }
  int64_t refused() const { return refused_.load(); }
  // Stops publishing and flushes what the client still holds to the server.
  void Stop() {
    if (stop_.exchange(true)) return;
    thread_.join();
    (void)connection_.Flush(milliseconds(5000));
  }

 private:
  static bus::ConnectionOptions Options(const std::string& url) {
    bus::ConnectionOptions options;
    options.url = url;
    options.name = "roseyd-fault-publisher";
    options.send_asap = true;  // each event leaves when published: a steady stream
    options.reconnect_wait = milliseconds(50);
    options.reconnect_wait_max = milliseconds(200);
    return options;
  }

  void Run() {
    auto next = std::chrono::steady_clock::now();
    while (!stop_.load()) {
      if (connection_.Publish(kChatSubject, ChatEvent(sent_.load())).ok()) {
        sent_.fetch_add(1);
      } else {
        refused_.fetch_add(1);
      }
      next += interval_;
      std::this_thread::sleep_until(next);
    }
  }

  bus::Connection connection_;
  const std::chrono::microseconds interval_;
  std::atomic<int64_t> sent_{0};
  std::atomic<int64_t> refused_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts once the rest is built
};

TEST(FaultTest, NatsServerRestartUnderLoadInCoreMode) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd(
      {"--set", "nats.reconnect_wait=50ms", "--set", "nats.reconnect_wait_max=200ms"});
  SteadyPublisher publisher(world.nats_url(), milliseconds(1));

  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return publisher.sent() >= 1500; }));
  const int64_t at_stop = publisher.sent();
  world.StopNats();
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return world.Metric("roseyd_nats_connected") == 0; }));
  usleep(500'000);  // the outage; the publisher keeps publishing into its client's buffer
  const int64_t at_start = publisher.sent();
  world.StartNats();
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.Metric("roseyd_nats_connected") == 1 && world.client().IsConnected(); },
      milliseconds(15000)));
  // A round trip through roseyd's subscription: it is registered on the new
  // server, so every event published from here on has a subscriber.
  const json stats = json::parse(world.Request("rosey.db.query.channel_stats", "{}"));
  ASSERT_TRUE(stats.is_object()) << stats.dump();
  const int64_t after_reconnect = publisher.sent();
  ASSERT_TRUE(
      RoseydWorld::WaitFor([&] { return publisher.sent() >= after_reconnect + 1500; }));
  publisher.Stop();
  const int64_t sent = publisher.sent();

  const std::string after_sql = std::string("SELECT COUNT(DISTINCT message) FROM recent_chat WHERE ") +
                                kNumberSql + " >= " + std::to_string(after_reconnect);
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.QueryInt(after_sql) == sent - after_reconnect; }, milliseconds(15000)))
      << world.QueryInt(after_sql) << " of " << sent - after_reconnect
      << " events published after the reconnection are in the file";
  // Whatever roseyd received is committed: nothing is lost inside roseyd.
  ASSERT_TRUE(RoseydWorld::WaitFor([&] {
    return ReceivedChat(world) == PersistedChat(world) &&
           world.Metric("roseyd_write_queue_depth") == 0;
  }));
  EXPECT_TRUE(world.RoseydRunning());
  EXPECT_EQ(world.Metric("roseyd_nats_connected"), 1);
  EXPECT_GE(world.Metric("roseyd_nats_reconnects_total"), 1);
  EXPECT_GE(world.Metric("roseyd_nats_disconnects_total"), 1);
  const std::string log = world.Log();
  EXPECT_NE(log.find("NATS connection lost"), std::string::npos) << log;
  const size_t back = log.find("NATS connection re-established");
  ASSERT_NE(back, std::string::npos) << log;
  EXPECT_NE(log.find("did not reach roseyd", back), std::string::npos) << log;
  std::printf("[fault figures] roseyd logged: %s\n",
              log.substr(back, log.find('\n', back) - back).c_str());

  const Tally t = Count(world.db_path(), sent);
  EXPECT_EQ(t.duplicated, 0);
  EXPECT_EQ(t.persisted, static_cast<int64_t>(PersistedChat(world)));
  Report("nats restart (core)", t,
         "published_before_stop=" + std::to_string(at_stop) +
             " published_while_down=" + std::to_string(at_start - at_stop) +
             " first_after_reconnect=" + std::to_string(after_reconnect) +
             " refused_by_client=" + std::to_string(publisher.refused()) +
             " roseyd_received=" + std::to_string(static_cast<int64_t>(ReceivedChat(world))) +
             " reconnects=" +
             std::to_string(static_cast<int64_t>(world.Metric("roseyd_nats_reconnects_total"))));
  EXPECT_EQ(world.StopRoseyd(), 0) << world.Log();
}

// A tmpfs mounted for one test; unmounted (lazily, so an open file cannot
// keep it) when the object dies.
class Tmpfs {
 public:
  Tmpfs(const std::string& path, size_t bytes) : path_(path) {
    mkdir(path.c_str(), 0755);
    const std::string options = "size=" + std::to_string(bytes);
    if (mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `path` until the filesystem refuses a byte more (ENOSPC). Returns
// the bytes written, or -1 if it stopped for another reason.
int64_t FillUp(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  const std::string chunk(64 * 1024, 'f');
  int64_t written = 0;
  size_t size = chunk.size();
  for (;;) {
    const ssize_t n = write(fd, chunk.data(), size);
    if (n > 0) {
      written += n;
      continue;
    }
    if (n < 0 && errno == ENOSPC && size > 1) {
      size /= 2;  // take the last partial pages too
      continue;
    }
    const bool full = n < 0 && errno == ENOSPC;
    close(fd);
    return full ? written : -1;
  }
}

// After a disk fault: roseyd stops cleanly, the file is intact, and every
// event is in it exactly once.
Tally StopAndExpectEveryEventOnceInAnIntactFile(RoseydWorld* world, const std::string& db,
                                                int64_t sent) {
  EXPECT_EQ(world->StopRoseyd(), 0) << world->Log();
  EXPECT_EQ(Integrity(db), "ok");
  const Tally t = Count(db, sent);
  EXPECT_EQ(t.lost, 0);
  EXPECT_EQ(t.duplicated, 0);
  return t;
}

TEST(FaultTest, FullDiskQueuesEventsAndCommitsThemWhenSpaceReturns) {
  RoseydWorld world;
  const std::string disk = world.dir().File("disk");
  Tmpfs tmpfs(disk, 8 << 20);
  if (!tmpfs.mounted()) {
    GTEST_SKIP() << "cannot mount a tmpfs at " << disk << " (" << tmpfs.error()
                 << "; needs root or CAP_SYS_ADMIN); "
                    "FaultTest.FileSizeLimitQueuesEventsAndCommitsThemWhenLifted covers the "
                    "write failure";
  }
  const std::string db = disk + "/rosey.db";
  world.StartNats();
  world.StartRoseyd({"--db", db});

  constexpr int64_t kBefore = 100;
  constexpr int64_t kWhileFull = 2000;
  constexpr size_t kPadding = 200;  // 2000 x ~200 B: far more than the WAL's last page holds
  for (int64_t i = 0; i < kBefore; ++i) world.Publish(kChatSubject, ChatEvent(i, kPadding));
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return PersistedChat(world) == kBefore; }));

  const std::string filler = disk + "/filler";
  const int64_t filled = FillUp(filler);
  ASSERT_GT(filled, 0) << "could not fill " << disk;
  // Intake goes on: every event is received and queued, none refused.
  ASSERT_TRUE(PublishWhileTheWriterFails(&world, kBefore, kWhileFull, kPadding));
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return world.Metric("roseyd_write_queue_depth") > 0; }));
  const int64_t committed_while_full = static_cast<int64_t>(PersistedChat(world));
  EXPECT_LT(committed_while_full, kBefore + kWhileFull);
  // Requests are still answered, from what is committed.
  const json chat =
      json::parse(world.Request("rosey.db.query.channel_stats", "{}", milliseconds(5000)));
  EXPECT_TRUE(chat.is_object()) << chat.dump();
  EXPECT_EQ(Integrity(db), "ok");
  EXPECT_TRUE(world.RoseydRunning());
  const std::string log = world.Log();
  EXPECT_NE(log.find("write transaction failed, will retry (nothing dropped)"), std::string::npos)
      << log;
  EXPECT_NE(log.find("database or disk is full (" + db + ")"), std::string::npos) << log;
  const double write_errors_while_full = world.Metric("roseyd_write_errors_total");

  ASSERT_EQ(unlink(filler.c_str()), 0);  // space returns
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return PersistedChat(world) == kBefore + kWhileFull; }, milliseconds(20000)))
      << PersistedChat(world) << "\n"
      << world.Log();
  const Tally t = StopAndExpectEveryEventOnceInAnIntactFile(&world, db, kBefore + kWhileFull);
  Report("full disk (tmpfs, ENOSPC)", t,
         "filler_bytes=" + std::to_string(filled) +
             " committed_while_full=" + std::to_string(committed_while_full) +
             " write_errors=" + std::to_string(static_cast<int64_t>(write_errors_while_full)) +
             " integrity=ok");
}

bool SetFileSizeLimit(pid_t pid, rlim_t bytes) {
  const struct rlimit limit{bytes, RLIM_INFINITY};
  return prlimit(pid, RLIMIT_FSIZE, &limit, nullptr) == 0;
}

// The same fault without mount privileges: a file size limit set on the
// running roseyd makes its writes past the limit fail with EFBIG (roseyd
// ignores SIGXFSZ, which would otherwise kill it), and lifting the limit is the
// space coming back.
TEST(FaultTest, FileSizeLimitQueuesEventsAndCommitsThemWhenLifted) {
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd();
  constexpr int64_t kBefore = 100;
  constexpr int64_t kWhileLimited = 3000;
  constexpr size_t kPadding = 200;
  for (int64_t i = 0; i < kBefore; ++i) world.Publish(kChatSubject, ChatEvent(i, kPadding));
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return PersistedChat(world) == kBefore; }));

  // Room for the log to grow, not for 3000 more events in the WAL.
  const off_t largest = std::max({FileSize(world.db_path()), FileSize(world.db_path() + "-wal"),
                                  FileSize(world.dir().File("roseyd.log"))});
  const rlim_t limit = static_cast<rlim_t>(largest) + (256 << 10);
  ASSERT_TRUE(SetFileSizeLimit(world.roseyd_pid(), limit)) << std::strerror(errno);
  ASSERT_TRUE(PublishWhileTheWriterFails(&world, kBefore, kWhileLimited, kPadding))
      << world.Log();
  const int64_t committed_while_limited = static_cast<int64_t>(PersistedChat(world));
  EXPECT_LT(committed_while_limited, kBefore + kWhileLimited);
  EXPECT_EQ(Integrity(world.db_path()), "ok");
  EXPECT_TRUE(world.RoseydRunning());
  const std::string log = world.Log();
  EXPECT_NE(log.find("write transaction failed, will retry (nothing dropped)"), std::string::npos)
      << log;
  EXPECT_NE(log.find("disk I/O error (" + world.db_path() + ": write failed)"), std::string::npos)
      << log;
  const double write_errors_while_limited = world.Metric("roseyd_write_errors_total");

  ASSERT_TRUE(SetFileSizeLimit(world.roseyd_pid(), RLIM_INFINITY)) << std::strerror(errno);
  EXPECT_TRUE(RoseydWorld::WaitFor(
      [&] { return PersistedChat(world) == kBefore + kWhileLimited; }, milliseconds(20000)))
      << PersistedChat(world) << "\n"
      << world.Log();
  const Tally t =
      StopAndExpectEveryEventOnceInAnIntactFile(&world, world.db_path(), kBefore + kWhileLimited);
  Report("full disk (RLIMIT_FSIZE, EFBIG)", t,
         "limit_bytes=" + std::to_string(limit) +
             " committed_while_limited=" + std::to_string(committed_while_limited) +
             " write_errors=" + std::to_string(static_cast<int64_t>(write_errors_while_limited)) +
             " integrity=ok");
}

TEST(FaultTest, WriterThatCannotCommitFillsTheQueueThenNatsDropsAndCounts) {
  constexpr int kQueueCapacity = 100;
  constexpr int kPendingLimit = 200;
  RoseydWorld world;
  world.StartNats();
  world.StartRoseyd({"--set", "store.write_queue_capacity=" + std::to_string(kQueueCapacity),
                     "--set", "nats.pending_msgs_limit=" + std::to_string(kPendingLimit),
                     // Fail fast on the lock and back off, rather than wait 5 s in SQLite.
                     "--set", "store.busy_timeout=100ms"});
  int64_t sent = 0;
  world.Publish(kChatSubject, ChatEvent(sent++));
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return PersistedChat(world) == 1; }));

  SqliteWriteLock lock(world.db_path());
  ASSERT_TRUE(lock.held());
  // Below the bound: intake goes on, and a request is answered (after
  // service.request_timeout) from what is committed.
  constexpr int kBelowBound = 10;
  for (int i = 0; i < kBelowBound; ++i) world.Publish(kChatSubject, ChatEvent(sent++));
  const json during = json::parse(
      world.Request("rosey.db.stats.recent_chat.get", R"({"limit":1000})", milliseconds(5000)));
  ASSERT_TRUE(during.is_array()) << during.dump();
  EXPECT_EQ(during.size(), 1u);  // only the event committed before the lock
  EXPECT_EQ(ReceivedChat(world), 1 + kBelowBound);
  ASSERT_TRUE(
      RoseydWorld::WaitFor([&] { return world.Metric("roseyd_write_errors_total") >= 1; }));

  // At the bound: the queue fills and Submit blocks the subscription's
  // delivery thread. Fewer events than the pending limit, so none is dropped
  // however far the delivery thread lags behind the socket.
  for (int i = 0; i <= kQueueCapacity; ++i) world.Publish(kChatSubject, ChatEvent(sent++));
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.Metric("roseyd_write_queue_depth") == kQueueCapacity; }))
      << world.Log();
  EXPECT_EQ(world.Metric("roseyd_nats_dropped_messages_total"), 0);
  // Past the bound: cnats's pending buffer fills, and the rest is dropped and counted.
  constexpr int kFlood = 1000;
  for (int i = 0; i < kFlood; ++i) world.Publish(kChatSubject, ChatEvent(sent++));
  ASSERT_TRUE(world.client().Flush(milliseconds(5000)).ok());
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world.Metric("roseyd_nats_dropped_messages_total") > 0; }))
      << world.Log();
  // A request at the bound shares the blocked delivery thread and the full
  // pending buffer: it is dropped like an event and gets no reply.
  std::string reply;
  const Status at_bound = world.client().Request("rosey.db.query.channel_stats", "{}",
                                                 milliseconds(1000), &reply);
  EXPECT_FALSE(at_bound.ok()) << reply;
  const int64_t requests_dropped = at_bound.ok() ? 0 : 1;
  const int64_t received_at_bound = static_cast<int64_t>(ReceivedChat(world));
  EXPECT_TRUE(world.RoseydRunning());

  lock.Release();
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] {
        const double persisted = PersistedChat(world);
        return persisted == ReceivedChat(world) && world.Metric("roseyd_write_queue_depth") == 0 &&
               persisted + world.Metric("roseyd_nats_dropped_messages_total") ==
                   static_cast<double>(sent + requests_dropped);
      },
      milliseconds(20000)))
      << "persisted " << PersistedChat(world) << " dropped "
      << world.Metric("roseyd_nats_dropped_messages_total") << " sent " << sent << "\n"
      << world.Log();
  const int64_t dropped = static_cast<int64_t>(world.Metric("roseyd_nats_dropped_messages_total"));
  const Tally t = Count(world.db_path(), sent);
  EXPECT_EQ(t.duplicated, 0);
  EXPECT_EQ(t.persisted + dropped, sent + requests_dropped);
  // Kept: the first event, the writer's stuck batch, the queue, the event
  // blocked in Submit and the pending buffer; the drops are the newest events.
  EXPECT_GE(t.persisted, 1 + 1 + kQueueCapacity + 1 + kPendingLimit);
  EXPECT_LE(t.persisted, 1 + kBelowBound + kQueueCapacity + 1 + kPendingLimit);
  EXPECT_EQ(t.first_lost, t.persisted);
  EXPECT_EQ(t.last_lost, sent - 1);
  const json after = json::parse(world.Request("rosey.db.query.channel_stats", "{}"));
  EXPECT_TRUE(after.is_object());
  const std::string log = world.Log();
  EXPECT_NE(log.find("database is locked"), std::string::npos) << log;
  EXPECT_NE(log.find("roseyd is a slow consumer"), std::string::npos) << log;
  Report("writer cannot commit (lock held)", t,
         "queue_capacity=" + std::to_string(kQueueCapacity) +
             " pending_msgs_limit=" + std::to_string(kPendingLimit) +
             " nats_dropped=" + std::to_string(dropped) +
             " of_which_requests=" + std::to_string(requests_dropped) +
             " received_at_bound=" + std::to_string(received_at_bound) + " write_errors=" +
             std::to_string(static_cast<int64_t>(world.Metric("roseyd_write_errors_total"))));
  EXPECT_EQ(world.StopRoseyd(), 0) << world.Log();
}

}  // namespace
}  // namespace roseyd::testing
