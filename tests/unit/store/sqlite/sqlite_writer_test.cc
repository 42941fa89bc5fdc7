// The SQLite store's write side through the StoreWriter interface: the
// shared suite (store_writer_test.cc) on SQLite, and a batch that fails as a
// whole on a locked file.
#include "store/sqlite/sqlite_writer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "support/status_matchers.h"
#include "unit/store/raw_sqlite.h"
#include "unit/store/store_fixture.h"

namespace roseyd::store {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreWriterTest, ::testing::Values(Backend::kSqlite),
                         BackendParamName);

class SqliteWriterTest : public StoreTest {
 protected:
  SqliteWriterTest() : StoreTest(Backend::kSqlite) {}
};

TEST_F(SqliteWriterTest, ABatchThatFailsAsAWholeWritesNothingAndCanBeRetried) {
  StoreConfig config;
  config.busy_timeout = std::chrono::milliseconds(20);
  Open(config);
  RawSqlite locker(Location());
  ASSERT_EQ(locker.Exec("BEGIN IMMEDIATE"), "");
  std::vector<Event> batch;
  batch.push_back(EventAt(UserJoined{"patient"}, 7));
  std::vector<RefusedEvent> rejected;
  const Status locked = Apply(&batch, &rejected);
  EXPECT_EQ(locked.code(), Status::Code::kBusy);
  EXPECT_TRUE(rejected.empty());
  EXPECT_EQ(writer_->StreamPosition(), 0u);
  ASSERT_EQ(locker.Exec("COMMIT"), "");
  EXPECT_EQ(Count("user_stats"), 0);
  ASSERT_OK(Apply(&batch, &rejected));
  EXPECT_EQ(Count("user_stats"), 1);
  EXPECT_EQ(writer_->StreamPosition(), 7u);
}

}  // namespace
}  // namespace roseyd::store
