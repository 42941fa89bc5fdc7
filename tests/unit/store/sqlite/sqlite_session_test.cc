// SqliteSession, the SQLite side of the plugin storage seam: statements
// prepared once and kept (least recently used out first), errors told apart
// (the statement's own versus the database's), savepoints.
#include "store/sqlite/sqlite_session.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace roseyd::store {
namespace {

using storage_api::SqlValue;
using storage_api::Statement;

class SqliteSessionTest : public ::testing::Test {
 protected:
  SqliteSessionTest() : db_(dir_.File("s.db"), Database::Mode::kReadWriteCreate) {
    db_.ExecOrThrow("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, b BLOB)", "t");
  }

  testing::TempDir dir_;
  Database db_;
};

TEST_F(SqliteSessionTest, RunsBoundStatementsAndReturnsRowsAndChanges) {
  SqliteSession session(&db_);
  int64_t changes = 0;
  ASSERT_OK(session.Run({"INSERT INTO t (id, name) VALUES (?, ?), (?, ?)",
                         {int64_t{1}, std::string("a"), int64_t{2}, std::string("b")}},
                        nullptr, &changes));
  EXPECT_EQ(changes, 2);
  std::vector<SqlRow> rows;
  ASSERT_OK(session.Run({"SELECT id, name, NULL, 1.5 FROM t WHERE id >= ? ORDER BY id",
                         {int64_t{1}}},
                        &rows));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (SqlRow{int64_t{1}, std::string("a"), std::monostate{}, 1.5}));
  EXPECT_EQ(rows[1][1], SqlValue(std::string("b")));
}

TEST_F(SqliteSessionTest, KeepsStatementsPreparedUpToItsCapacity) {
  SqliteSession session(&db_, /*capacity=*/2);
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(session.Run({"SELECT ?", {int64_t{i}}}, nullptr));
  }
  EXPECT_EQ(session.cached(), 1u);
  ASSERT_OK(session.Run({"SELECT 1 + ?", {int64_t{1}}}, nullptr));
  ASSERT_OK(session.Run({"SELECT 2 + ?", {int64_t{1}}}, nullptr));
  EXPECT_EQ(session.cached(), 2u);  // the least recently used one left
  std::vector<SqlRow> rows;
  ASSERT_OK(session.Run({"SELECT ?", {int64_t{7}}}, &rows));  // prepared again
  EXPECT_EQ(rows.at(0).at(0), SqlValue(int64_t{7}));
  EXPECT_EQ(session.cached(), 2u);
}

TEST_F(SqliteSessionTest, LongStatementsAreNotCached) {
  SqliteSession session(&db_);
  std::string sql = "SELECT 1 WHERE 1 IN (";
  Statement statement;
  for (int i = 0; i < 2000; ++i) {
    sql += i == 0 ? "?" : ", ?";
    statement.params.emplace_back(int64_t{i});
  }
  statement.sql = sql + ")";
  ASSERT_GT(statement.sql.size(), SqliteSession::kMaxCachedSqlBytes);
  std::vector<SqlRow> rows;
  ASSERT_OK(session.Run(statement, &rows));
  EXPECT_EQ(rows.size(), 1u);
  EXPECT_EQ(session.cached(), 0u);
}

TEST_F(SqliteSessionTest, TheStatementsOwnErrorsAreInvalidArgument) {
  SqliteSession session(&db_);
  const Status missing = session.Run({"SELECT * FROM no_such_table", {}}, nullptr);
  EXPECT_EQ(missing.code(), Status::Code::kInvalidArgument) << missing.ToString();
  const Status constraint =
      session.Run({"INSERT INTO t (id, name) VALUES (1, NULL)", {}}, nullptr);
  EXPECT_EQ(constraint.code(), Status::Code::kInvalidArgument) << constraint.ToString();
  const Status syntax = session.RunOnce("CREATE TABLE (");
  EXPECT_EQ(syntax.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(syntax.message().find("[SQL: CREATE TABLE (]"), std::string::npos)
      << syntax.message();
}

TEST_F(SqliteSessionTest, ABlobCellIsRefused) {
  SqliteSession session(&db_);
  ASSERT_OK(session.RunOnce("INSERT INTO t (id, name, b) VALUES (1, 'x', x'00ff')"));
  std::vector<SqlRow> rows;
  EXPECT_EQ(session.Run({"SELECT b FROM t", {}}, &rows).code(),
            Status::Code::kInvalidArgument);
}

TEST_F(SqliteSessionTest, RunOnceRunsEveryStatementOfItsText) {
  SqliteSession session(&db_);
  ASSERT_OK(session.RunOnce("INSERT INTO t (id, name) VALUES (1, 'a'); -- one\n"
                            "INSERT INTO t (id, name) VALUES (2, 'b');  "));
  std::vector<SqlRow> rows;
  ASSERT_OK(session.Run({"SELECT COUNT(*) FROM t", {}}, &rows));
  EXPECT_EQ(rows.at(0).at(0), SqlValue(int64_t{2}));
}

TEST_F(SqliteSessionTest, SavepointsUndoOrKeepWhatWasDone) {
  SqliteSession session(&db_);
  ASSERT_OK(db_.Exec("BEGIN"));
  ASSERT_OK(session.Savepoint("kept"));
  ASSERT_OK(session.RunOnce("INSERT INTO t (id, name) VALUES (1, 'kept')"));
  ASSERT_OK(session.ReleaseSavepoint("kept"));
  ASSERT_OK(session.Savepoint("undone"));
  ASSERT_OK(session.RunOnce("INSERT INTO t (id, name) VALUES (2, 'undone')"));
  ASSERT_OK(session.RollbackToSavepoint("undone"));
  EXPECT_TRUE(session.InTransaction());
  ASSERT_OK(db_.Exec("COMMIT"));
  EXPECT_FALSE(session.InTransaction());
  std::vector<SqlRow> rows;
  ASSERT_OK(session.Run({"SELECT name FROM t", {}}, &rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], SqlValue(std::string("kept")));
}

}  // namespace
}  // namespace roseyd::store
