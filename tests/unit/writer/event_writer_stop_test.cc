// A stop that cannot commit everything in store.stop_timeout: what is left
// goes to the pending-events file, and the next writer commits it first.

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "support/status_matchers.h"
#include "unit/store/raw_sqlite.h"
#include "unit/writer/writer_fixture.h"
#include "writer/pending_events.h"

namespace roseyd::store {
namespace {

using std::chrono::milliseconds;

bool Exists(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0;
}

class EventWriterStopTest : public WriterTest {
 protected:
  void SetUp() override {}  // each test opens its own writer

  std::string pending() const { return path() + ".pending"; }

  // A writer keeping what a stop leaves in pending(); returns how many
  // events it found there.
  size_t OpenKeeping(const StoreConfig& config) {
    Open(config, /*start=*/false);
    const size_t found = writer_->KeepPendingIn(pending());
    writer_->Start();
    return found;
  }

  static StoreConfig Config(milliseconds stop_timeout) {
    StoreConfig config;
    config.busy_timeout = milliseconds(5000);  // longer than any stop may take
    config.stop_timeout = stop_timeout;
    return config;
  }

  // Stops the writer; returns how long that took.
  double TimedStopMs() {
    const auto started = std::chrono::steady_clock::now();
    writer_->Stop();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
        .count();
  }

  std::vector<Event> PendingEvents() {
    std::vector<Event> events;
    EXPECT_OK(ReadPendingEvents(pending(), &events));
    return events;
  }
};

TEST_F(EventWriterStopTest, HealthyStopCommitsEverythingAndLeavesNoFile) {
  EXPECT_EQ(OpenKeeping(Config(milliseconds(1000))), 0u);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK(writer_->Submit(Event{LogChat{"a", std::to_string(i), std::nullopt}, kNow, {}, 0}));
  }
  writer_->Stop();
  EXPECT_EQ(Count("recent_chat"), 1000);
  EXPECT_FALSE(Exists(pending()));
}

TEST_F(EventWriterStopTest, LockedPastTheStopTimeoutKeepsTheEventsForTheNextStart) {
  OpenKeeping(Config(milliseconds(300)));
  Commit(LogChat{"a", "before", std::nullopt});
  auto lock = std::make_unique<RawSqlite>(path());
  ASSERT_EQ(lock->Exec("BEGIN IMMEDIATE"), "");
  for (const char* line : {"one", "two", "three"}) {
    ASSERT_OK(writer_->Submit(Event{LogChat{"a", line, std::nullopt}, kNow, {}, 0}));
  }
  const double ms = TimedStopMs();
  // The writer was inside a 5 s busy wait: the stop cut it short.
  EXPECT_LT(ms, 2000);
  EXPECT_GE(ms, 250);
  const std::vector<Event> kept = PendingEvents();
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(std::get<LogChat>(kept[0].write).message, "one");
  EXPECT_EQ(std::get<LogChat>(kept[2].write).message, "three");
  EXPECT_EQ(kept[0].unix_time, kNow);

  ASSERT_EQ(lock->Exec("ROLLBACK"), "");
  lock.reset();
  EXPECT_EQ(OpenKeeping(Config(milliseconds(300))), 3u);
  const uint64_t after = Commit(LogChat{"a", "after", std::nullopt});
  EXPECT_EQ(after, 4u);  // the kept events took sequences 1..3, before anything new
  EXPECT_EQ(raw_->Text("SELECT group_concat(message, ',') FROM "
                       "(SELECT message FROM recent_chat ORDER BY id)"),
            "before,one,two,three,after");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Exists(pending()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_FALSE(Exists(pending()));
  writer_->Stop();
  EXPECT_EQ(Count("recent_chat"), 5);
}

// Stopped again before the kept events could commit: the file holds them
// once, with whatever came after, never twice.
TEST_F(EventWriterStopTest, StoppingAgainStillLockedRewritesTheFile) {
  OpenKeeping(Config(milliseconds(200)));
  auto lock = std::make_unique<RawSqlite>(path());
  ASSERT_EQ(lock->Exec("BEGIN IMMEDIATE"), "");
  ASSERT_OK(writer_->Submit(Event{UserJoined{"first"}, kNow, {}, 0}));
  writer_->Stop();
  ASSERT_EQ(PendingEvents().size(), 1u);
  // Opening checks the schema under the write lock, so the lock goes for
  // that and is taken again before the kept event can commit.
  lock.reset();
  Open(Config(milliseconds(200)), /*start=*/false);
  EXPECT_EQ(writer_->KeepPendingIn(pending()), 1u);
  lock = std::make_unique<RawSqlite>(path());
  ASSERT_EQ(lock->Exec("BEGIN IMMEDIATE"), "");
  writer_->Start();
  ASSERT_OK(writer_->Submit(Event{UserJoined{"second"}, kNow, {}, 0}));
  writer_->Stop();
  const std::vector<Event> kept = PendingEvents();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(std::get<UserJoined>(kept[0].write).username, "first");
  EXPECT_EQ(std::get<UserJoined>(kept[1].write).username, "second");
}

// A stream keeps what was not acknowledged: those events are not kept twice.
TEST_F(EventWriterStopTest, StreamEventsAreLeftToTheStream) {
  OpenKeeping(Config(milliseconds(200)));
  RawSqlite lock(path());
  ASSERT_EQ(lock.Exec("BEGIN IMMEDIATE"), "");
  Event from_stream{UserJoined{"streamed"}, kNow, {}, 0};
  from_stream.stream_seq = 7;
  ASSERT_OK(writer_->Submit(std::move(from_stream)));
  ASSERT_OK(writer_->Submit(Event{UserJoined{"core"}, kNow, {}, 0}));
  writer_->Stop();
  const std::vector<Event> kept = PendingEvents();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(std::get<UserJoined>(kept[0].write).username, "core");
}

// At the bound, Submit blocks; once a stop begins, intake must be able to
// hand over what it already received.
TEST_F(EventWriterStopTest, BeginStopLetsProducersBlockedOnAFullQueueThrough) {
  StoreConfig config = Config(milliseconds(200));
  config.write_queue_capacity = 2;
  OpenKeeping(config);
  RawSqlite lock(path());
  ASSERT_EQ(lock.Exec("BEGIN IMMEDIATE"), "");
  std::atomic<int> submitted{0};
  std::thread producer([&] {
    for (int i = 0; i < 20; ++i) {
      if (writer_->Submit(Event{UserJoined{"u" + std::to_string(i)}, kNow, {}, 0}).ok()) {
        ++submitted;
      }
    }
  });
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_LT(submitted.load(), 20);  // blocked at the bound
  writer_->BeginStop();
  producer.join();
  EXPECT_EQ(submitted.load(), 20);
  writer_->Stop();
  EXPECT_EQ(PendingEvents().size() + static_cast<size_t>(Count("user_stats")), 20u);
}

TEST_F(EventWriterStopTest, UnreadablePendingFileStopsStartupAndStays) {
  {
    std::ofstream(pending()) << "garbage";
  }
  Open(Config(milliseconds(200)), /*start=*/false);
  try {
    writer_->KeepPendingIn(pending());
    ADD_FAILURE() << "no StartupError";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find(pending()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(Exists(pending()));
}

}  // namespace
}  // namespace roseyd::store
