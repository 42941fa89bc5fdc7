#include "store/sqlite/database.h"

#include <gtest/gtest.h>

#include "base/startup_error.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace roseyd::store {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  DatabaseTest() : db_(dir_.File("t.db"), Database::Mode::kReadWriteCreate) {
    db_.ExecOrThrow("CREATE TABLE t (i INTEGER, r REAL, s TEXT NOT NULL DEFAULT '')", "create");
  }
  testing::TempDir dir_;
  Database db_;
};

TEST_F(DatabaseTest, BindsEveryValueKindAndReadsItBack) {
  Statement insert(&db_, "INSERT INTO t (i, r, s) VALUES (?1, ?2, ?3)", true);
  {
    Statement::Scope scope(&insert);
    insert.Bind(1, int64_t{1} << 40);
    insert.Bind(2, 2.5);
    insert.Bind(3, std::string_view("x'y\0z", 5));
    ASSERT_OK(insert.Run());
  }
  {
    Statement::Scope scope(&insert);
    insert.Bind(1, std::optional<int64_t>());
    insert.Bind(2, StatusValue(std::monostate{}));
    insert.Bind(3, std::string_view());  // empty, not NULL
    ASSERT_OK(insert.Run());
  }
  Statement select(&db_, "SELECT i, r, s FROM t ORDER BY rowid", false);
  Statement::Scope scope(&select);
  bool has_row = false;
  ASSERT_OK(select.Step(&has_row));
  ASSERT_TRUE(has_row);
  EXPECT_EQ(select.ColumnInt64(0), int64_t{1} << 40);
  EXPECT_EQ(select.ColumnDouble(1), 2.5);
  EXPECT_EQ(select.ColumnText(2), std::string("x'y\0z", 5));
  ASSERT_OK(select.Step(&has_row));
  ASSERT_TRUE(has_row);
  EXPECT_EQ(select.ColumnOptionalInt64(0), std::nullopt);
  EXPECT_TRUE(select.ColumnIsNull(1));
  EXPECT_EQ(select.ColumnOptionalText(2), "");
  ASSERT_OK(select.Step(&has_row));
  EXPECT_FALSE(has_row);
}

TEST_F(DatabaseTest, ConstraintFailureIsADataError) {
  Statement insert(&db_, "INSERT INTO t (s) VALUES (?1)", false);
  Statement::Scope scope(&insert);
  insert.BindNull(1);
  const Status s = insert.Run();
  EXPECT_TRUE(IsDataError(s)) << s.ToString();
  EXPECT_NE(s.message().find("NOT NULL"), std::string::npos) << s.ToString();
}

TEST_F(DatabaseTest, BadParameterIndexIsReportedByStep) {
  Statement insert(&db_, "INSERT INTO t (i) VALUES (?1)", false);
  Statement::Scope scope(&insert);
  insert.Bind(1, int64_t{1});
  insert.Bind(7, int64_t{2});
  const Status s = insert.Run();
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("parameter 7"), std::string::npos) << s.ToString();
}

TEST_F(DatabaseTest, PrepareErrorsThrowAtStartupAndReturnLater) {
  EXPECT_THROW(Statement(&db_, "SELECT nope FROM nowhere", false), StartupError);
  Statement later;
  const Status s = later.Prepare(&db_, "SELECT nope FROM nowhere", false);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("no such table"), std::string::npos) << s.ToString();
}

TEST_F(DatabaseTest, TracksTransactionState) {
  EXPECT_FALSE(db_.InTransaction());
  ASSERT_OK(db_.Exec("BEGIN"));
  EXPECT_TRUE(db_.InTransaction());
  ASSERT_OK(db_.Exec("ROLLBACK"));
  EXPECT_FALSE(db_.InTransaction());
  EXPECT_FALSE(db_.IsReadOnly());
}

}  // namespace
}  // namespace roseyd::store
