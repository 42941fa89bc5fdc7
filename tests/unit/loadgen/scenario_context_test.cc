#include "loadgen/scenarios/scenario_context.h"

#include <atomic>
#include <stdexcept>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/sqlite/database.h"
#include "store/sqlite/schema.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/loadgen/fake_target.h"

namespace roseyd::loadgen {
namespace {

using ::testing::HasSubstr;

class ScenarioContextTest : public ::testing::Test {
 protected:
  ScenarioContextTest() { spec_.name = "probe"; }

  ScenarioSpec spec_;
  FakeTarget target_;
  std::atomic<bool> cancelled_{false};
};

TEST(LostEventsTest, SentLessPersistedAndNeverNegative) {
  EXPECT_EQ(LostEvents(10, 7), 3u);
  EXPECT_EQ(LostEvents(10, 10), 0u);
  EXPECT_EQ(LostEvents(7, 10), 0u);  // e.g. rows of an earlier phase counted too
}

TEST_F(ScenarioContextTest, SetPersistedKeepsLostInStepWithSent) {
  ScenarioContext ctx(spec_, &target_, std::nullopt, cancelled_);
  ctx.result().sent = 10;
  ctx.SetPersisted(4);
  EXPECT_EQ(ctx.result().persisted, 4u);
  EXPECT_EQ(ctx.result().lost, 6u);
  ctx.SetPersisted(12);
  EXPECT_EQ(ctx.result().lost, 0u);
}

TEST_F(ScenarioContextTest, ResultStartsWithTheSpecsNameAndNotesAreSeparated) {
  spec_.category = "latency";
  spec_.priority = report::Priority::kP1;
  ScenarioContext ctx(spec_, &target_, std::nullopt, cancelled_);
  EXPECT_EQ(ctx.result().name, "probe");
  EXPECT_EQ(ctx.result().category, "latency");
  EXPECT_EQ(ctx.result().priority, report::Priority::kP1);
  ctx.AddNote("first");
  ctx.AddNote("second");
  EXPECT_EQ(ctx.result().note, "first; second");
}

TEST_F(ScenarioContextTest, FiguresAreAddedUnjudged) {
  ScenarioContext ctx(spec_, &target_, std::nullopt, cancelled_);
  report::LatencySummary s;
  s.mean_ms = 1;
  s.median_ms = 2;
  s.p95_ms = 3;
  s.p99_ms = 4;
  s.max_ms = 5;
  ctx.LatencyFigures(s);
  ctx.AddFigure("lost", 0);
  const auto& figures = ctx.result().figures;
  ASSERT_EQ(figures.size(), 6u);
  const char* names[] = {"mean_latency_ms", "p50_latency_ms", "p95_latency_ms",
                         "p99_latency_ms", "max_latency_ms", "lost"};
  for (size_t i = 0; i < figures.size(); ++i) {
    EXPECT_EQ(figures[i].metric, names[i]);
    EXPECT_FALSE(figures[i].target.has_value());
  }
  EXPECT_EQ(figures[4].value, 5);
}

TEST_F(ScenarioContextTest, EachRunHasItsOwnUserPrefixUsableAsALikePattern) {
  ScenarioContext a(spec_, &target_, std::nullopt, cancelled_);
  ScenarioContext b(spec_, &target_, std::nullopt, cancelled_);
  EXPECT_NE(a.user_prefix(), b.user_prefix());
  EXPECT_EQ(a.User(3), a.user_prefix() + "p3");
  EXPECT_EQ(a.user_prefix().find_first_of("%_"), std::string::npos);  // BenchCounts' LIKE
  EXPECT_EQ(a.Subject("message.log"), "rosey.db.message.log");
}

TEST_F(ScenarioContextTest, ScopedCommitListenerRemovesOnceOnEveryPath) {
  CommitTracker tracker(1, 1, ScenarioClock::now(), std::chrono::nanoseconds(0));
  {
    ScopedCommitListener listening(&target_, &tracker);
    ASSERT_EQ(target_.listeners.size(), 1u);
    listening.Remove();
    EXPECT_TRUE(target_.listeners.empty());
  }
  EXPECT_EQ(target_.removes, 1);
  try {
    ScopedCommitListener listening(&target_, &tracker);
    throw std::runtime_error("scenario failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(target_.listeners.empty());
  EXPECT_EQ(target_.adds, 2);
  EXPECT_EQ(target_.removes, 2);
}

TEST_F(ScenarioContextTest, StartBotsThatCannotConnectThrows) {
  ScenarioContext ctx(spec_, &target_, std::nullopt, cancelled_);  // nothing listens
  EXPECT_THROW(ctx.StartBots(1, 1), std::exception);
  EXPECT_TRUE(target_.listeners.empty());
}

TEST_F(ScenarioContextTest, CountsTheRowsOfItsOwnUsersInTheTargetsDatabase) {
  testing::TempDir dir;
  target_.database_path = dir.File("rosey.db");
  ScenarioContext ctx(spec_, &target_, std::nullopt, cancelled_);
  {
    store::Database db(target_.database_path, store::Database::Mode::kReadWriteCreate);
    store::CreateOrUpgradeSchema(&db, 1000);
    ASSERT_OK(db.Exec(("INSERT INTO recent_chat (timestamp, username, message) VALUES "
                       "(1, '" + ctx.User(0) + "', 'a'), (2, '" + ctx.User(1) + "', 'b'), "
                       "(3, 'someone-else', 'c')").c_str()));
  }
  ASSERT_TRUE(ctx.CountsRows());
  EXPECT_EQ(ctx.CountChatRows(), 2);
}

TEST_F(ScenarioContextTest, CountingInAMissingDatabaseThrowsNamingIt) {
  ScenarioContext ctx(spec_, &target_, std::nullopt, cancelled_);
  try {
    ctx.CountChatRows();
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot count rows"));
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/rosey.db"));
  }
  target_.database_path.clear();
  EXPECT_FALSE(ctx.CountsRows());
}

TEST_F(ScenarioContextTest, SleepEndsWhenCancelled) {
  ScenarioContext ctx(spec_, &target_, std::nullopt, cancelled_);
  cancelled_ = true;
  const auto before = ScenarioClock::now();
  ctx.Sleep(std::chrono::seconds(30));
  EXPECT_LT(ScenarioClock::now() - before, std::chrono::seconds(1));
}

}  // namespace
}  // namespace roseyd::loadgen
