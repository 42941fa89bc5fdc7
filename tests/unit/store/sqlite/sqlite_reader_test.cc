// The SQLite store's read side: the shared suite (store_reader_test.cc) on
// SQLite, and what only a file can do.
#include "store/sqlite/sqlite_reader.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "support/temp_dir.h"
#include "unit/store/store_fixture.h"

namespace roseyd::store {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreReaderTest, ::testing::Values(Backend::kSqlite),
                         BackendParamName);

TEST(ReaderOpenTest, MissingFileThrowsStartupErrorWithPath) {
  testing::TempDir dir;
  const std::string path = dir.File("absent.db");
  try {
    SqliteReader reader(path, std::chrono::milliseconds(100));
    FAIL() << "opened a file that does not exist";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roseyd::store
