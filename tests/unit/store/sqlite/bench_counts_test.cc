#include "store/sqlite/bench_counts.h"

#include <cctype>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "store/sqlite/database.h"
#include "store/sqlite/schema.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace roseyd::store {
namespace {

// A file with the schema and rows of two bench runs ("benchA-", "benchB-")
// and of a real user, so every count must pick its own rows only.
class BenchCountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Database db(path(), Database::Mode::kReadWriteCreate);
    CreateOrUpgradeSchema(&db, 1000);
    ASSERT_OK(db.Exec(
        "INSERT INTO recent_chat (timestamp, username, message) VALUES "
        "(1, 'benchA-p0', 'x'), (2, 'benchA-p1', 'x'), (3, 'benchA-p1', 'x'),"
        "(4, 'benchB-p0', 'x'), (5, 'alice', 'benchA-p0');"
        "INSERT INTO user_stats (username, first_seen, last_seen, total_chat_lines) VALUES "
        "('benchA-p0', 1, 1, 1), ('benchA-p1', 1, 1, 2), ('benchB-p0', 1, 1, 40),"
        "('alice', 1, 1, 7);"
        "INSERT INTO user_actions (timestamp, username, action_type) VALUES "
        "(1, 'benchA-p0', 'pm_command'), (2, 'benchA-p0', 'kick'),"
        "(3, 'benchB-p0', 'pm_command'), (4, 'benchA-p1', 'pm_command');"
        "INSERT INTO user_count_history (timestamp, chat_users, connected_users) VALUES "
        "(1, 900000123, 900000123), (2, 900000123, 900000123), (3, 5, 5);"
        "UPDATE current_status SET bot_name = 'roseyd-bench' WHERE id = 1;"));
  }

  std::string path() const { return dir_.File("rosey.db"); }

  testing::TempDir dir_;
};

TEST_F(BenchCountsTest, CountsOnlyTheRowsOfOneUsernamePrefix) {
  SqliteBenchCounts counts(path());
  int64_t n = -1;
  ASSERT_OK(counts.RecentChatRows("benchA-", &n));
  EXPECT_EQ(n, 3);
  ASSERT_OK(counts.UserStatsChatLines("benchA-", &n));
  EXPECT_EQ(n, 3);
  ASSERT_OK(counts.UserStatsUsers("benchA-", &n));
  EXPECT_EQ(n, 2);
  ASSERT_OK(counts.PmCommandActions("benchA-", &n));
  EXPECT_EQ(n, 2);
  ASSERT_OK(counts.RecentChatRows("benchB-", &n));
  EXPECT_EQ(n, 1);
}

TEST_F(BenchCountsTest, NoRowsCountAsZero) {
  SqliteBenchCounts counts(path());
  int64_t n = -1;
  ASSERT_OK(counts.RecentChatRows("nobody-", &n));
  EXPECT_EQ(n, 0);
  n = -1;
  ASSERT_OK(counts.UserStatsChatLines("nobody-", &n));  // SUM of nothing is 0, not NULL
  EXPECT_EQ(n, 0);
  ASSERT_OK(counts.UserCountHistoryRows(42, &n));
  EXPECT_EQ(n, 0);
  ASSERT_OK(counts.CurrentStatusRows("another-bot", &n));
  EXPECT_EQ(n, 0);
}

TEST_F(BenchCountsTest, CountsMarkerAndBotNameRows) {
  SqliteBenchCounts counts(path());
  int64_t n = -1;
  ASSERT_OK(counts.UserCountHistoryRows(900000123, &n));
  EXPECT_EQ(n, 2);
  ASSERT_OK(counts.CurrentStatusRows("roseyd-bench", &n));
  EXPECT_EQ(n, 1);
}

TEST_F(BenchCountsTest, SeesRowsCommittedAfterItOpened) {
  SqliteBenchCounts counts(path());
  int64_t n = -1;
  ASSERT_OK(counts.RecentChatRows("benchB-", &n));
  EXPECT_EQ(n, 1);
  {
    Database db(path(), Database::Mode::kReadWriteCreate);
    ASSERT_OK(db.Exec("INSERT INTO recent_chat (timestamp, username, message) "
                      "VALUES (9, 'benchB-p3', 'late')"));
  }
  ASSERT_OK(counts.RecentChatRows("benchB-", &n));
  EXPECT_EQ(n, 2);
}

TEST_F(BenchCountsTest, AFileWithoutTheTablesIsAnErrorAndAMissingFileCannotOpen) {
  const std::string empty = dir_.File("empty.db");
  { Database db(empty, Database::Mode::kReadWriteCreate); }
  SqliteBenchCounts counts(empty);
  int64_t n = -1;
  const Status s = counts.RecentChatRows("benchA-", &n);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("recent_chat"), std::string::npos) << s.ToString();
  EXPECT_EQ(n, -1);
  EXPECT_THROW({ SqliteBenchCounts missing(dir_.File("missing.db")); }, StartupError);
}

TEST(SqliteVersionTest, IsTheLibrarysDottedVersion) {
  const std::string v = SqliteVersion();
  ASSERT_GE(v.size(), 5u) << v;  // "3.x.y"
  EXPECT_EQ(v.substr(0, 2), "3.");
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(v.back()))) << v;
}

}  // namespace
}  // namespace roseyd::store
