// The SqlSession on PostgreSQL: cells read back as SQLite's, parameters
// that fit the columns SQLite's would, errors classified as the shared
// plugin storage code expects, savepoints; and the writer applying plugin
// writes inside the events' batches.
#include "store/postgres/pg_sql_session.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/plugin_write.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_writer.h"
#include "support/status_matchers.h"
#include "unit/store/postgres/pg_fixture.h"

namespace roseyd::store {
namespace {

using storage_api::SqlValue;
using storage_api::Statement;

class PgSqlSessionTest : public PgTest {
 protected:
  PgSqlSessionTest() { conn_.ConnectOrThrow(); }

  std::vector<SqlRow> Rows(const Statement& statement) {
    std::vector<SqlRow> rows;
    EXPECT_OK(session_.Run(statement, &rows));
    return rows;
  }

  PgConnection conn_{url()};
  PgSqlSession session_{&conn_};
};

TEST_F(PgSqlSessionTest, CellsReadBackAsSqlitesStorageClasses) {
  const std::vector<SqlRow> rows = Rows(
      {"SELECT 1::int2, 2::int4, 3::int8, true, false, 1.5::float8, 4::numeric, 2.5::numeric, "
       "'x'::text, 'y'::varchar, NULL",
       {}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (SqlRow{int64_t{1}, int64_t{2}, int64_t{3}, int64_t{1}, int64_t{0}, 1.5,
                             int64_t{4}, 2.5, std::string("x"), std::string("y"), SqlValue()}));
  std::vector<SqlRow> blob;
  EXPECT_EQ(session_.Run({"SELECT '\\x00'::bytea", {}}, &blob).code(),
            Status::Code::kInvalidArgument);
}

TEST_F(PgSqlSessionTest, ParametersFitTheColumnsAsSqlitesDid) {
  ASSERT_OK(session_.RunOnce(
      "CREATE TABLE t (n BIGINT, f DOUBLE PRECISION, b BOOLEAN, s TEXT)"));
  int64_t changes = -1;
  ASSERT_OK(session_.Run({"INSERT INTO t VALUES ($1, $2, $3, $4)",
                          {int64_t{3}, int64_t{2}, int64_t{1}, std::string("it's")}},
                         nullptr, &changes));
  EXPECT_EQ(changes, 1);
  ASSERT_OK(session_.Run({"INSERT INTO t VALUES ($1, $2, $3, $4)",
                          {SqlValue(), 0.25, int64_t{0}, int64_t{7}}},
                         nullptr));
  // A real compares with an integer column; an integer with a real one.
  EXPECT_EQ(Rows({"SELECT n, f, b, s FROM t WHERE n < $1 AND f = $2", {3.5, int64_t{2}}}),
            (std::vector<SqlRow>{{int64_t{3}, 2.0, int64_t{1}, std::string("it's")}}));
  EXPECT_EQ(Rows({"SELECT s FROM t WHERE n IS NULL", {}}),
            (std::vector<SqlRow>{{std::string("7")}}));
  EXPECT_EQ(session_.Run({"SELECT $1", {std::string("a\0b", 3)}}, nullptr).code(),
            Status::Code::kInvalidArgument);
}

TEST_F(PgSqlSessionTest, StatementErrorsAreInvalidArgumentAndASavepointUndoesThem) {
  ASSERT_OK(conn_.Exec("BEGIN"));
  ASSERT_OK(session_.RunOnce("CREATE TABLE u (k TEXT PRIMARY KEY)"));
  ASSERT_OK(session_.Savepoint("one"));
  ASSERT_OK(session_.Run({"INSERT INTO u VALUES ($1)", {std::string("a")}}, nullptr));
  const Status duplicate = session_.Run({"INSERT INTO u VALUES ($1)", {std::string("a")}}, nullptr);
  EXPECT_EQ(duplicate.code(), Status::Code::kInvalidArgument) << duplicate.ToString();
  EXPECT_TRUE(session_.InTransaction());
  ASSERT_OK(session_.RollbackToSavepoint("one"));
  const Status missing = session_.RunOnce("INSERT INTO nowhere VALUES (1)");
  EXPECT_EQ(missing.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(missing.message().find("[SQL: INSERT INTO nowhere VALUES (1)]"), std::string::npos)
      << missing.message();
  EXPECT_TRUE(session_.InTransaction());
  ASSERT_OK(conn_.Exec("ROLLBACK"));
  EXPECT_FALSE(session_.InTransaction());
}

std::shared_ptr<PluginWrite> KvSetWrite(const std::string& key) {
  return std::make_shared<PluginWrite>(
      PluginCommand{storage_api::KvSet{"p", key, "1", std::nullopt}});
}

// kv.set in the pipeline with the events; a failing one (a key beyond
// VARCHAR(255), a NUL) is its outcome, not a rejection.
TEST_F(PgSqlSessionTest, TheWriterPipelinesKvSetsWithTheEvents) {
  PostgresWriter writer(url(), "ROSEY_DB");
  const auto good = KvSetWrite("k");
  const auto too_long = KvSetWrite(std::string(300, 'x'));
  const auto nul = KvSetWrite(std::string("a\0b", 3));
  std::vector<Event> batch;
  batch.push_back(PgEventAt(LogChat{"a", "one", std::nullopt}));
  batch.push_back(PgEventAt(good));
  batch.push_back(PgEventAt(too_long));
  batch.push_back(PgEventAt(nul));
  batch.push_back(PgEventAt(LogChat{"b", "two", std::nullopt}));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(writer.ApplyBatch(batch, &rejected));
  EXPECT_TRUE(rejected.empty());
  EXPECT_OK(good->outcome.status);
  EXPECT_EQ(too_long->outcome.status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(nul->outcome.status.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(Count("recent_chat"), 2);
  EXPECT_EQ(client_.Text("SELECT string_agg(\"key\", ',') FROM plugin_kv_storage"), "k");
}

// Any other plugin write goes through the session, between the events,
// under its own savepoint; then the purge.
TEST_F(PgSqlSessionTest, TheWriterAppliesOtherPluginWritesBetweenTheEvents) {
  PostgresWriter writer(url(), "ROSEY_DB");
  const auto set = KvSetWrite("k");
  const auto too_long = KvSetWrite(std::string(300, 'x'));
  const auto remove = std::make_shared<PluginWrite>(PluginCommand{KvDelete{{"p", "k"}}});
  const auto remove_none = std::make_shared<PluginWrite>(PluginCommand{KvDelete{{"p", "z"}}});
  std::vector<Event> batch;
  batch.push_back(PgEventAt(LogChat{"a", "one", std::nullopt}));
  batch.push_back(PgEventAt(set));
  batch.push_back(PgEventAt(too_long));
  batch.push_back(PgEventAt(remove));
  batch.push_back(PgEventAt(remove_none));
  batch.push_back(PgEventAt(KvSetWrite("kept")));
  batch.push_back(PgEventAt(LogChat{"b", "two", std::nullopt}));
  std::vector<RefusedEvent> rejected;
  ASSERT_OK(writer.ApplyBatch(batch, &rejected));
  EXPECT_TRUE(rejected.empty());
  EXPECT_OK(set->outcome.status);
  EXPECT_EQ(too_long->outcome.status.code(), Status::Code::kInvalidArgument);
  EXPECT_OK(remove->outcome.status);
  EXPECT_EQ(remove->outcome.changes, 1);
  EXPECT_EQ(remove_none->outcome.changes, 0);
  EXPECT_EQ(Count("recent_chat"), 2);
  EXPECT_EQ(client_.Text("SELECT string_agg(\"key\", ',') FROM plugin_kv_storage"), "kept");
  // The purge deletes what expired, in a transaction of its own.
  ASSERT_EQ(client_.Exec("UPDATE plugin_kv_storage SET expires_at = 5"), "");
  int64_t purged = -1;
  ASSERT_OK(writer.PurgeExpiredKeys(kPgNow, &purged));
  EXPECT_EQ(purged, 1);
  EXPECT_EQ(Count("plugin_kv_storage"), 0);
}

}  // namespace
}  // namespace roseyd::store
