// A leader whose commits stall while events wait says so once, and once
// more when they flow (store::EventWriter::CheckStall), on each store: the
// database is held by another program (SQLite's write lock; a PostgreSQL
// table lock on roseyd_meta, which every batch writes), which leaves the
// writer thread waiting inside the database call, where it cannot log.

#include <sqlite3.h>

#include <iostream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "integration/roseyd_process.h"
#include "integration/sqlite_write_lock.h"
#include "support/pg_client.h"

namespace roseyd::testing {
namespace {

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The whole line of `log` that holds `what`.
std::string LineWith(const std::string& log, const std::string& what) {
  const size_t at = log.find(what);
  if (at == std::string::npos) return "";
  const size_t start = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
  return log.substr(start, log.find('\n', at) - start);
}

class StallTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  RoseydWorld world_{GetParam()};
};

INSTANTIATE_TEST_SUITE_P(Stores, StallTest, ::testing::ValuesIn(kAllStores),
                         [](const auto& info) { return StoreName(info.param); });

TEST_P(StallTest, ALeaderWhoseCommitsStallSaysSoOnceAndAgainWhenTheyFlow) {
  world_.StartNats();
  world_.StartRoseyd();
  world_.Publish("rosey.db.user.joined", R"({"username":"alice"})");
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world_.QueryInt("SELECT COUNT(*) FROM user_stats") == 1; }));
  std::unique_ptr<SqliteWriteLock> file_lock;
  std::unique_ptr<PgClient> holder;
  if (GetParam() == StoreKind::kSqlite) {
    file_lock = std::make_unique<SqliteWriteLock>(world_.db_path());
    ASSERT_TRUE(file_lock->held());
  } else {
    holder = std::make_unique<PgClient>(world_.store_url());
    ASSERT_EQ(holder->Exec("BEGIN; LOCK TABLE roseyd_meta IN ACCESS EXCLUSIVE MODE"), "");
  }
  world_.Publish("rosey.db.user.joined", R"({"username":"bob"})");
  const std::string stalled = "warning store: no commit for ";
  ASSERT_TRUE(RoseydWorld::WaitFor([&] { return world_.Log().find(stalled) != std::string::npos; },
                                   std::chrono::milliseconds(20000)))
      << world_.Log();
  if (file_lock) file_lock->Release();
  if (holder) {
    ASSERT_EQ(holder->Exec("ROLLBACK"), "");
  }
  const std::string flowing = "store: commits flow again: a batch of 1 event committed after ";
  ASSERT_TRUE(RoseydWorld::WaitFor(
      [&] { return world_.Log().find(flowing) != std::string::npos; },
      std::chrono::milliseconds(20000)))
      << world_.Log();
  EXPECT_EQ(world_.QueryInt("SELECT COUNT(*) FROM user_stats"), 2);
  const std::string log = world_.Log();
  EXPECT_EQ(Occurrences(log, stalled), 1u) << log;
  EXPECT_EQ(Occurrences(log, flowing), 1u) << log;
  EXPECT_NE(log.find(" while 1 event waits: the writer is still committing a batch;"),
            std::string::npos)
      << log;
  std::cout << "[stall " << StoreName(GetParam()) << "] " << LineWith(log, stalled) << "\n"
            << "[stall " << StoreName(GetParam()) << "] " << LineWith(log, flowing) << std::endl;
  // Each line says what happened, and every line has its time and level.
  ExpectEveryLineHasItsTime(log);
  EXPECT_EQ(world_.StopRoseyd(), 0);
}

}  // namespace
}  // namespace roseyd::testing
