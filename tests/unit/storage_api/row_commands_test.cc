#include "storage_api/row_commands.h"

#include <gtest/gtest.h>

#include <string>

#include "unit/storage_api/row_fixture.h"

namespace roseyd::storage_api {
namespace {

ErrorReply Invalid(std::string message) {
  return {ErrorCode::kValidationError, std::move(message)};
}

using RowInsertTest = RowFixture;
using RowSelectTest = RowFixture;
using RowUpdateTest = RowFixture;
using RowDeleteTest = RowFixture;

TEST_F(RowInsertTest, MissingAndUnregistered) {
  EXPECT_EQ(ErrorOf(DecodeRowInsert("p", R"({"data": {}})", context_)),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'table' missing"}));
  EXPECT_EQ(ErrorOf(DecodeRowInsert("p", R"({"table": "items", "data": null})", context_)),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'data' missing"}));
  EXPECT_EQ(ErrorOf(DecodeRowInsert("q", R"({"table": "items", "data": {}})", context_)),
            Invalid("Table 'items' not registered for plugin 'q'. Register schema first using "
                    "schema_register."));
  EXPECT_EQ(ErrorOf(DecodeRowInsert("p", R"({"table": 7, "data": {}})", context_)),
            Invalid("Table '7' not registered for plugin 'p'. Register schema first using "
                    "schema_register."));
  EXPECT_EQ(ErrorOf(DecodeRowInsert("p", R"({"table": "items", "data": []})", context_)),
            Invalid("No data provided for insert"));
  EXPECT_EQ(ErrorOf(DecodeRowInsert("p", "[]", context_)),
            (ErrorReply{ErrorCode::kInternalError, "Unexpected error"}));
}

TEST_F(RowInsertTest, RowErrorsCarryTheRowIndex) {
  const auto insert = [&](const std::string& data) {
    return ErrorOf(DecodeRowInsert("p", R"({"table": "items", "data": )" + data + "}", context_));
  };
  EXPECT_EQ(insert(R"([{"title": "a"}, {"n": 1}])"),
            Invalid("Row 1: Missing required field: title"));
  EXPECT_EQ(insert(R"({"title": "a", "id": 3})"), Invalid("Row 0: Unknown field: id"));
  EXPECT_EQ(insert(R"({"title": null})"), Invalid("Row 0: Field 'title' cannot be null"));
  EXPECT_EQ(insert(R"({"title": "a", "n": "4.5"})"),
            Invalid("Row 0: Field 'n': Cannot convert value to integer: invalid literal for int() "
                    "with base 10: '4.5'"));
  EXPECT_EQ(insert(R"([{"title": "a"}, "x"])"), RowOperationFailed("Insert"));
  // Validation of every row first, then what only SQLite would refuse.
  EXPECT_EQ(insert(R"([{"title": "a", "n": 1e19}, {"n": 1}])"),
            Invalid("Row 1: Missing required field: title"));
  EXPECT_EQ(insert(R"([{"title": "a", "n": 1e19}, {"title": "b"}])"), RowOperationFailed("Insert"));
}

TEST_F(RowInsertTest, StoresCoercedValuesAndTimestamps) {
  EXPECT_EQ(
      Insert(R"({"title": 7, "n": "42", "f": "1e3", "ok": "yes", "at": "2025-01-02T03:04:05Z"})"),
      (std::vector<int64_t>{1}));
  const auto rows =
      db_.Run({"SELECT title, n, f, ok, at, created_at, updated_at, typeof(f) FROM p_items", {}});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0],
            (std::vector<SqlValue>{std::string("7"), int64_t{42}, 1000.0, int64_t{1},
                                   std::string("2025-01-02 03:04:05.000000"), std::string(kNow),
                                   std::string(kNow), std::string("real")}));
}

TEST_F(RowInsertTest, BulkRowsEachWithTheirOwnKeys) {
  const auto result = DecodeRowInsert(
      "p", R"({"table": "items", "data": [{"title": "a", "n": 1}, {"title": "b", "body": "x"}]})",
      context_);
  const RowInsert& insert = CommandOf(result);
  ASSERT_EQ(insert.inserts.size(), 2u);
  std::vector<int64_t> ids;
  for (const Statement& s : insert.inserts) ids.push_back(std::get<int64_t>(db_.Run(s)[0][0]));
  EXPECT_EQ(RenderRowInsertReply(insert, ids), R"({"success": true, "ids": [1, 2], "created": 2})");
  EXPECT_EQ(Texts(db_.Run({"SELECT coalesce(body, 'NULL') FROM p_items ORDER BY id", {}})),
            (std::vector<std::string>{"NULL", "x"}));
}

TEST_F(RowInsertTest, SingleAndOneElementArrayReplies) {
  const RowInsert& single =
      CommandOf(DecodeRowInsert("p", R"({"table": "items", "data": {"title": "a"}})", context_));
  EXPECT_EQ(RenderRowInsertReply(single, {5}), R"({"success": true, "id": 5, "created": true})");
  const RowInsert& bulk =
      CommandOf(DecodeRowInsert("p", R"({"table": "items", "data": [{"title": "a"}]})", context_));
  EXPECT_EQ(RenderRowInsertReply(bulk, {6}), R"({"success": true, "ids": [6], "created": 1})");
}

TEST_F(RowInsertTest, IdentifiersAreQuotedNotPasted) {
  catalog_.Add("x\"; DROP TABLE p_items; --", "t", RowSchema({{"a", FieldType::kText, false}}));
  const RowInsert& insert = CommandOf(DecodeRowInsert(
      "x\"; DROP TABLE p_items; --", R"({"table": "t", "data": {"a": "v"}})", context_));
  EXPECT_EQ(insert.inserts[0].sql,
            "INSERT INTO \"x\"\"; DROP TABLE p_items; --_t\" (\"a\", \"created_at\", "
            "\"updated_at\") VALUES (?, ?, ?) RETURNING \"id\"");
}

TEST_F(RowSelectTest, ErrorsAndReply) {
  EXPECT_EQ(ErrorOf(DecodeRowSelect("p", R"({"table": "items"})", context_)),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'id' missing"}));
  EXPECT_EQ(ErrorOf(DecodeRowSelect("p", R"({"table": "items", "id": null})", context_)),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'id' missing"}));
  EXPECT_EQ(ErrorOf(DecodeRowSelect("p", R"({"table": "nope", "id": 1})", context_)),
            Invalid("Table 'nope' not registered for plugin 'p'"));
  EXPECT_EQ(ErrorOf(DecodeRowSelect("p", R"({"table": "items", "id": [1]})", context_)),
            RowOperationFailed("Select"));
  EXPECT_EQ(ErrorOf(DecodeRowSelect("p", R"({"table": ["items"], "id": 1})", context_)),
            RowOperationFailed("Select"));

  Insert(R"({"title": "a", "n": 0, "f": 2, "ok": false, "at": "2025-01-02T03:04:05.5+02:00"})");
  for (const char* id : {"1", "\"1\"", "1.0", "true"}) {
    const RowSelect& select = CommandOf(
        DecodeRowSelect("p", std::string(R"({"table": "items", "id": )") + id + "}", context_));
    const auto rows = db_.Run(select.select);
    ASSERT_EQ(rows.size(), 1u) << id;
    EXPECT_EQ(
        std::get<std::string>(RenderRowSelectReply(*select.schema, rows[0])),
        R"({"success": true, "exists": true, "data": {"id": 1, "title": "a", "body": null, "n": 0, "f": 2.0, "ok": false, "at": "2025-01-02T03:04:05.500000", "created_at": "2025-01-02T03:04:05.000006", "updated_at": "2025-01-02T03:04:05.000006"}})");
  }
  const RowSelect& absent =
      CommandOf(DecodeRowSelect("p", R"({"table": "items", "id": 2})", context_));
  EXPECT_TRUE(db_.Run(absent.select).empty());
  EXPECT_EQ(std::get<std::string>(RenderRowSelectReply(*absent.schema, std::nullopt)),
            R"({"success": true, "exists": false})");
}

TEST_F(RowSelectTest, UnparsableDatetimeCellIsADatabaseError) {
  const RowSchema& schema = *catalog_.Find("p", "items");
  const RowCells row{
      int64_t{1}, std::string("a"),          SqlValue(),        SqlValue(),       SqlValue(),
      SqlValue(), std::string("not a date"), std::string(kNow), std::string(kNow)};
  EXPECT_EQ(std::get<ErrorReply>(RenderRowSelectReply(schema, row)), RowOperationFailed("Select"));
}

TEST_F(RowUpdateTest, ChecksInOrder) {
  const auto update = [&](const std::string& body) {
    return ErrorOf(DecodeRowUpdate("p", body, context_));
  };
  EXPECT_EQ(update(R"({"id": 1})"),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'table' missing"}));
  EXPECT_EQ(update(R"({"table": "items", "data": {}})"),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'id' missing"}));
  EXPECT_EQ(
      update(R"({"table": "items", "id": 1, "data": null})"),
      (ErrorReply{ErrorCode::kMissingField, "Must provide either 'data' or 'operations' field"}));
  EXPECT_EQ(update(R"({"table": "nope", "id": 1, "data": {}})"),
            Invalid("Table 'nope' not registered for plugin 'p'"));
  EXPECT_EQ(update(R"({"table": "items", "id": 1, "data": {}, "operations": {}})"),
            Invalid("Must provide either 'data' or 'operations' for update"));
  EXPECT_EQ(
      update(R"({"table": "items", "id": 1, "data": {"n": 1}, "operations": {"n": {"$inc": 1}}})"),
      Invalid("Cannot provide both 'data' and 'operations' - choose one mode"));
  EXPECT_EQ(update(R"({"table": "items", "id": 1, "data": {"id": 2, "created_at": 1}})"),
            Invalid("Cannot update immutable fields: created_at, id"));
  EXPECT_EQ(update(R"({"table": "items", "id": 1, "operations": {"id": {"$set": 2}}})"),
            Invalid("Cannot update immutable fields: id"));
  EXPECT_EQ(update(R"({"table": "items", "id": 1, "data": {"updated_at": "2025-01-01"}})"),
            Invalid("Unknown field: updated_at"));
  EXPECT_EQ(update(R"({"table": "items", "id": 1, "data": {"title": null}})"),
            Invalid("Field 'title' cannot be null"));
  EXPECT_EQ(update(R"({"table": "items", "id": 1, "data": [1]})"), RowOperationFailed("Update"));
  EXPECT_EQ(update(R"({"table": "items", "id": {}, "data": {"n": 1}})"),
            RowOperationFailed("Update"));
}

TEST_F(RowUpdateTest, OperationErrors) {
  const auto ops = [&](const std::string& operations) {
    return ErrorOf(DecodeRowUpdate(
        "p", R"({"table": "items", "id": 1, "operations": )" + operations + "}", context_));
  };
  EXPECT_EQ(ops(R"({"zz": {"$set": 1}})"),
            Invalid("Field 'zz' not in schema. Available fields: at, body, created_at, f, id, n, "
                    "ok, title, updated_at"));
  EXPECT_EQ(ops(R"({"n": 5})"),
            Invalid("Update operations must be dict {operator: value}, got int for field 'n'"));
  EXPECT_EQ(ops(R"({"n": {"$inc": 1, "$dec": 1}})"),
            Invalid("Each field must have exactly one update operator, got 2 for field 'n'"));
  EXPECT_EQ(ops(R"({"n": {}})"),
            Invalid("Each field must have exactly one update operator, got 0 for field 'n'"));
  EXPECT_EQ(
      ops(R"({"n": {"$pow": 2}})"),
      Invalid("Unknown update operator: $pow. Supported: $dec, $inc, $max, $min, $mul, $set"));
  EXPECT_EQ(ops(R"({"title": {"$inc": 1}})"),
            Invalid("Operator $inc requires numeric type, but field 'title' has type 'string'. "
                    "Numeric operators can only be used with: bigint, decimal, float, integer, "
                    "numeric, real"));
  EXPECT_EQ(ops(R"({"n": {"$mul": "2"}})"),
            Invalid("Operator $mul requires numeric value, got str"));
  EXPECT_EQ(ops(R"({"ok": {"$max": 1}})"),
            Invalid("Operator $max requires numeric or timestamp type, but field 'ok' has type "
                    "'boolean'. Conditional operators can only be used with: bigint, date, "
                    "datetime, decimal, float, integer, numeric, real, timestamp"));
  EXPECT_EQ(ops(R"({"f": {"$set": "abc"}})"),
            Invalid("Field 'f': Cannot convert value to float: could not convert string to float: "
                    "'abc'"));
  EXPECT_EQ(ops(R"({"title": {"$set": null}})"), Invalid("Field 'title' cannot be null"));
}

class RowUpdateSqlTest : public RowFixture {
 protected:
  // Runs an update request; the reply.
  std::string Update(const std::string& body) {
    const auto result = DecodeRowUpdate("p", body, context_);
    if (const auto* error = std::get_if<ErrorReply>(&result)) return "error: " + error->message;
    const RowUpdate& update = std::get<RowUpdate>(result);
    // As the writer runs it (plugin_writes.cc).
    const auto current = db_.Run(update.exists);
    const bool exists = !current.empty();
    if (exists && !update.arithmetic.empty()) {
      if (auto refusal = CheckUpdateResults(update, current[0])) {
        return "error: " + std::string(ErrorCodeName(refusal->code)) + ": " + refusal->message;
      }
    }
    if (exists) db_.Run(update.update);
    return RenderRowUpdateReply(update, exists);
  }
  std::vector<SqlValue> Row(int64_t id) {
    return db_.Run({"SELECT title, n, f, at, updated_at FROM p_items WHERE id = ?", {id}}).at(0);
  }
};

TEST_F(RowUpdateSqlTest, DataModeCoercesAndEchoesTheId) {
  Insert(R"({"title": "a", "n": 1})");
  context_.now = "2025-02-03 04:05:06.000000";
  EXPECT_EQ(Update(R"({"table": "items", "id": "1", "data": {"n": "7", "at": "2025-03-04"}})"),
            R"({"success": true, "id": "1", "updated": true})");
  EXPECT_EQ(Row(1), (std::vector<SqlValue>{std::string("a"), int64_t{7}, SqlValue(),
                                           std::string("2025-03-04 00:00:00.000000"),
                                           std::string("2025-02-03 04:05:06.000000")}));
  EXPECT_EQ(Update(R"({"table": "items", "id": 9, "data": {"n": 1}})"),
            R"({"success": true, "exists": false})");
}

TEST_F(RowUpdateSqlTest, NumericOperators) {
  Insert(R"([{"title": "a", "n": 10, "f": 1.5}, {"title": "b"}])");
  EXPECT_EQ(
      Update(R"({"table": "items", "id": 1, "operations": {"n": {"$inc": 5}, "f": {"$mul": 2}}})"),
      R"({"success": true, "id": 1, "updated": true})");
  EXPECT_EQ(Update(R"({"table": "items", "id": 1, "operations": {"n": {"$dec": true}}})"),
            R"({"success": true, "id": 1, "updated": true})");
  EXPECT_EQ(Row(1)[1], SqlValue(int64_t{14}));
  EXPECT_EQ(Row(1)[2], SqlValue(3.0));
  Update(R"({"table": "items", "id": 2, "operations": {"n": {"$inc": 5}, "f": {"$mul": 2}}})");
  EXPECT_EQ(Row(2)[1], SqlValue());  // NULL stays NULL
  EXPECT_EQ(Row(2)[2], SqlValue());
}

// roseyd: SQLite turned an integer past 64 bits into a float and stored
// infinity; PostgreSQL failed (DATABASE_ERROR). Both are refused, the row
// unchanged.
TEST_F(RowUpdateSqlTest, ResultsNoJsonReplyCouldCarryAreRefused) {
  Insert(R"([{"title": "a", "n": 9223372036854775807, "f": 1e308},
             {"title": "b", "n": -9223372036854775808, "f": -1e308}])");
  const auto update = [&](int id, const std::string& operations) {
    return Update(R"({"table": "items", "id": )" + std::to_string(id) + R"(, "operations": )" +
                  operations + "}");
  };
  const std::string beyond = "error: VALIDATION_ERROR: Operator $inc on field 'n' would take it "
                             "beyond the 64-bit integer range";
  EXPECT_EQ(update(1, R"({"n": {"$inc": 1}})"), beyond);
  EXPECT_EQ(update(1, R"({"n": {"$mul": 2}})"),
            "error: VALIDATION_ERROR: Operator $mul on field 'n' would take it beyond the 64-bit "
            "integer range");
  EXPECT_EQ(update(2, R"({"n": {"$dec": 1}})"),
            "error: VALIDATION_ERROR: Operator $dec on field 'n' would take it beyond the 64-bit "
            "integer range");
  EXPECT_EQ(update(1, R"({"n": {"$inc": 1e300}})"), beyond);  // a float, out of range
  EXPECT_EQ(update(1, R"({"f": {"$mul": 10}})"),
            "error: VALIDATION_ERROR: Operator $mul on field 'f' would make it infinite");
  EXPECT_EQ(update(2, R"({"f": {"$inc": -1e308}})"),
            "error: VALIDATION_ERROR: Operator $inc on field 'f' would make it infinite");
  // The other operations of a refused update are not applied either.
  EXPECT_EQ(update(1, R"({"title": {"$set": "x"}, "n": {"$inc": 1}})"), beyond);
  EXPECT_EQ(Row(1)[0], SqlValue(std::string("a")));
  EXPECT_EQ(Row(1)[1], SqlValue(int64_t{9223372036854775807}));
  EXPECT_EQ(Row(1)[2], SqlValue(1e308));
  // Up to the edge is fine.
  EXPECT_EQ(update(1, R"({"n": {"$dec": 1}, "f": {"$mul": 1.5}})"),
            R"({"success": true, "id": 1, "updated": true})");
  EXPECT_EQ(update(1, R"({"n": {"$inc": 1}})"), R"({"success": true, "id": 1, "updated": true})");
  EXPECT_EQ(Row(1)[1], SqlValue(int64_t{9223372036854775807}));
  // A number stored as text (the original's $set kept strings) reads as SQLite reads it.
  ASSERT_EQ(db_.Exec("UPDATE p_items SET n = '9223372036854775807' WHERE id = 2"), "");
  EXPECT_EQ(update(2, R"({"n": {"$inc": 1}})"), beyond);
  ASSERT_EQ(db_.Exec("UPDATE p_items SET n = 'many' WHERE id = 2"), "");
  EXPECT_EQ(update(2, R"({"n": {"$inc": 1}})"), R"({"success": true, "id": 2, "updated": true})");
  EXPECT_EQ(Row(2)[1], SqlValue(int64_t{1}));
}

// A file the original wrote may hold infinity in a float column: the reply
// says null there, and counts it.
TEST_F(RowSelectTest, AStoredInfinityIsAnsweredAsNull) {
  Insert(R"({"title": "a", "f": 1.5})");
  ASSERT_EQ(db_.Exec("UPDATE p_items SET f = 1e999"), "");
  const RowSelect& select =
      CommandOf(DecodeRowSelect("p", R"({"table": "items", "id": 1})", context_));
  size_t non_finite = 0;
  const auto reply = RenderRowSelectReply(*select.schema, db_.Run(select.select).at(0), &non_finite);
  EXPECT_NE(std::get<std::string>(reply).find(R"("f": null)"), std::string::npos);
  EXPECT_EQ(non_finite, 1u);
}

TEST_F(RowUpdateSqlTest, MaxAndMinIgnoreNullLikeGreatestAndLeast) {
  Insert(R"([{"title": "a", "n": 10, "at": "2025-01-01"}, {"title": "b"}])");
  Update(R"({"table": "items", "id": 1, "operations": {"n": {"$max": 5}}})");
  EXPECT_EQ(Row(1)[1], SqlValue(int64_t{10}));
  Update(R"({"table": "items", "id": 1, "operations": {"n": {"$max": 12}}})");
  EXPECT_EQ(Row(1)[1], SqlValue(int64_t{12}));
  Update(R"({"table": "items", "id": 1, "operations": {"n": {"$min": 3}}})");
  EXPECT_EQ(Row(1)[1], SqlValue(int64_t{3}));
  Update(R"({"table": "items", "id": 1, "operations": {"n": {"$min": null}}})");
  EXPECT_EQ(Row(1)[1], SqlValue(int64_t{3}));
  Update(R"({"table": "items", "id": 2, "operations": {"n": {"$max": 4}}})");
  EXPECT_EQ(Row(2)[1], SqlValue(int64_t{4}));
  // Datetimes compare in their stored form, so the value is coerced first.
  Update(R"({"table": "items", "id": 1, "operations": {"at": {"$max": "2025-06-01T00:00:00"}}})");
  EXPECT_EQ(Row(1)[3], SqlValue(std::string("2025-06-01 00:00:00.000000")));
}

TEST_F(RowUpdateSqlTest, SetIsCoercedAndUpdatedAtAlwaysNow) {
  Insert(R"({"title": "a"})");
  context_.now = "2030-01-01 00:00:00.000000";
  EXPECT_EQ(
      Update(
          R"({"table": "items", "id": 1, "operations": {"n": {"$set": "8"}, "updated_at": {"$set": "1999-01-01"}}})"),
      R"({"success": true, "id": 1, "updated": true})");
  EXPECT_EQ(Row(1)[1], SqlValue(int64_t{8}));
  EXPECT_EQ(Row(1)[4], SqlValue(std::string("2030-01-01 00:00:00.000000")));
}

TEST_F(RowDeleteTest, DeletesAndReports) {
  EXPECT_EQ(ErrorOf(DecodeRowDelete("p", R"({"table": "items"})", context_)),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'id' missing"}));
  EXPECT_EQ(ErrorOf(DecodeRowDelete("p", R"({"table": "items", "id": [1]})", context_)),
            RowOperationFailed("Delete"));
  Insert(R"({"title": "a"})");
  const RowDelete& remove =
      CommandOf(DecodeRowDelete("p", R"({"table": "items", "id": 1})", context_));
  db_.Run(remove.remove);
  EXPECT_EQ(RenderRowDeleteReply(db_.Changes() > 0), R"({"success": true, "deleted": true})");
  db_.Run(remove.remove);
  EXPECT_EQ(RenderRowDeleteReply(db_.Changes() > 0), R"({"success": true, "deleted": false})");
  // No AUTOINCREMENT: the highest id is reused, as the original's tables do.
  EXPECT_EQ(Insert(R"({"title": "b"})"), (std::vector<int64_t>{1}));
}

}  // namespace
}  // namespace roseyd::storage_api
