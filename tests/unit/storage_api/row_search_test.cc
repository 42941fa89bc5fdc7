// rosey.db.row.<plugin>.search: request checking, errors in the original's
// order and texts, and the caps on hostile filters.
#include "storage_api/row_search.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "storage_api/row_filter.h"
#include "unit/storage_api/row_fixture.h"

namespace roseyd::storage_api {
namespace {

ErrorReply Invalid(std::string message) {
  return {ErrorCode::kValidationError, std::move(message)};
}

using RowSearchTest = RowFixture;

TEST_F(RowSearchTest, TableAndLimit) {
  EXPECT_EQ(ErrorOf(DecodeRowSearch("p", "{}", context_)),
            (ErrorReply{ErrorCode::kMissingField, "Required field 'table' missing"}));
  EXPECT_EQ(ErrorOf(DecodeRowSearch("p", R"({"table": "zz"})", context_)),
            Invalid("Table 'zz' not registered for plugin 'p'"));
  EXPECT_EQ(ErrorOf(DecodeRowSearch("p", R"({"table": ["x"]})", context_)),
            Invalid("unhashable type: 'list'"));
  EXPECT_EQ(SearchError(R"(, "limit": 0)"), Invalid("Limit must be at least 1"));
  EXPECT_EQ(SearchError(R"(, "limit": -5)"), Invalid("Limit must be at least 1"));
  EXPECT_EQ(SearchError(R"(, "limit": null)"),
            Invalid("'<' not supported between instances of 'NoneType' and 'int'"));
  EXPECT_EQ(SearchError(R"(, "limit": "10")"),
            Invalid("'<' not supported between instances of 'str' and 'int'"));
  const RowSearch search =
      CommandOf(DecodeRowSearch("p", R"({"table": "items", "limit": 10000})", context_));
  EXPECT_EQ(search.limit, 1000);
  EXPECT_EQ(search.select.params.back(), SqlValue(int64_t{0}));
  EXPECT_EQ(search.select.params[search.select.params.size() - 2], SqlValue(int64_t{1001}));
  EXPECT_EQ(CommandOf(DecodeRowSearch("p", R"({"table": "items"})", context_)).limit, 100);
}

TEST_F(RowSearchTest, LogicalOperatorErrors) {
  EXPECT_EQ(SearchError(R"(, "filters": {"$and": {}})"),
            Invalid("$and operator requires a list of conditions"));
  EXPECT_EQ(SearchError(R"(, "filters": {"$or": []})"),
            Invalid("$or operator requires at least one condition"));
  EXPECT_EQ(SearchError(R"(, "filters": {"$not": [1]})"),
            Invalid("$not operator requires a dict condition"));
  EXPECT_EQ(SearchError(R"(, "filters": {"$nor": []})"),
            Invalid("Unknown logical operator: $nor. Supported: $and, $or, $not"));
  EXPECT_EQ(SearchError(R"(, "filters": {"$and": [1]})"), RowOperationFailed("Search"));
  EXPECT_EQ(SearchError(R"(, "filters": "x")"), RowOperationFailed("Search"));
  // $and takes precedence over $or over $not when reporting.
  EXPECT_EQ(SearchError(R"(, "filters": {"$not": 1, "$or": 1, "$and": 1})"),
            Invalid("$and operator requires a list of conditions"));
}

TEST_F(RowSearchTest, FieldAndOperatorErrors) {
  EXPECT_EQ(SearchError(R"(, "filters": {"zz": 1})"),
            Invalid("Field 'zz' not found in schema. Available fields: at, body, created_at, f, "
                    "id, n, ok, title, updated_at"));
  EXPECT_EQ(SearchError(R"(, "filters": {"title": {"$gt": "a"}})"),
            Invalid("Range operator '$gt' on field 'title' requires numeric or datetime type, got "
                    "'string'. Range operators can only be used with: datetime, float, integer"));
  EXPECT_EQ(SearchError(R"(, "filters": {"n": {"$in": 5}})"),
            Invalid("Set operator '$in' on field 'n' requires list value, got int"));
  EXPECT_EQ(SearchError(R"(, "filters": {"n": {"$nin": []}})"),
            Invalid("Set operator '$nin' on field 'n' requires non-empty list"));
  EXPECT_EQ(SearchError(R"(, "filters": {"n": {"$like": "1%"}})"),
            Invalid("Pattern operator '$like' on field 'n' requires string or text type, got "
                    "'integer'. Pattern operators can only be used with: string, text"));
  EXPECT_EQ(SearchError(R"(, "filters": {"body": {"$ilike": 1}})"),
            Invalid("Pattern operator '$ilike' on field 'body' requires string value, got int"));
  EXPECT_EQ(
      SearchError(R"(, "filters": {"body": {"$exists": 1}})"),
      Invalid("Existence operator '$exists' on field 'body' requires boolean value, got int"));
  EXPECT_EQ(SearchError(R"(, "filters": {"body": {"$regex": "x"}})"),
            Invalid("Unknown operator '$regex' on field 'body'. Supported operators: $eq, $exists, "
                    "$gt, $gte, $ilike, $in, $like, $lt, $lte, $ne, $nin, $null"));
  EXPECT_EQ(SearchError(R"(, "filters": {"n": {"$gt": null}})"), RowOperationFailed("Search"));
  EXPECT_EQ(SearchError(R"(, "filters": {"n": {"$lt": true}})"), RowOperationFailed("Search"));
}

TEST_F(RowSearchTest, UnbindableValuesFailAfterEveryValidation) {
  EXPECT_EQ(SearchError(R"(, "filters": {"n": [1, 2]})"), RowOperationFailed("Search"));
  EXPECT_EQ(SearchError(R"(, "filters": {"n": {"$in": [[1]]}})"), RowOperationFailed("Search"));
  EXPECT_EQ(SearchError(R"(, "filters": {"n": [1, 2]}, "sort": {"field": "zz"})"),
            Invalid("Sort field 'zz' not in schema. Available fields: at, body, created_at, f, "
                    "id, n, ok, title, updated_at"));
}

TEST_F(RowSearchTest, SortErrors) {
  EXPECT_EQ(SearchError(R"(, "sort": "n")"),
            Invalid("Sort spec must be dict or list of dicts, got str"));
  EXPECT_EQ(SearchError(R"(, "sort": [{"field": "n"}, 3])"),
            Invalid("Sort item 1 must be dict, got int"));
  EXPECT_EQ(SearchError(R"(, "sort": [{"order": "asc"}])"),
            Invalid("Sort item 0 missing required 'field' key"));
  EXPECT_EQ(SearchError(R"(, "sort": {"field": "n", "order": "UP"})"),
            Invalid("Sort order must be 'asc' or 'desc', got 'up' for field 'n'"));
  EXPECT_EQ(SearchError(R"(, "sort": {"field": "n", "order": 1})"), RowOperationFailed("Search"));
  EXPECT_EQ(SearchError(R"(, "sort": {"field": ["n"]})"), Invalid("unhashable type: 'list'"));
  EXPECT_EQ(SearchError(R"(, "sort": {"field": null})"),
            Invalid("Sort field 'None' not in schema. Available fields: at, body, created_at, f, "
                    "id, n, ok, title, updated_at"));
}

TEST_F(RowSearchTest, OffsetIsIntOfTheValue) {
  const auto offset = [&](const std::string& value) {
    const auto result =
        DecodeRowSearch("p", R"({"table": "items", "offset": )" + value + "}", context_);
    if (const auto* error = std::get_if<ErrorReply>(&result)) return SqlValue(error->message);
    return std::get<RowSearch>(result).select.params.back();
  };
  EXPECT_EQ(offset("5"), SqlValue(int64_t{5}));
  EXPECT_EQ(offset("\" 7 \""), SqlValue(int64_t{7}));
  EXPECT_EQ(offset("-3"), SqlValue(int64_t{0}));
  EXPECT_EQ(offset("2.9"), SqlValue(int64_t{2}));
  EXPECT_EQ(offset("null"), SqlValue(int64_t{0}));
  EXPECT_EQ(offset("\"x\""), SqlValue(std::string("invalid literal for int() with base 10: 'x'")));
  EXPECT_EQ(offset("[]"), SqlValue(std::string("int() argument must be a string, a bytes-like "
                                               "object or a real number, not 'list'")));
}

// Milliseconds at most, whatever the shape.
template <typename F>
void ExpectQuick(F f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST_F(RowSearchTest, FilterNested10000DeepIsRefusedQuickly) {
  std::string filter;
  for (int i = 0; i < 10000; ++i) filter += R"({"$not": )";
  filter += R"({"n": 1})" + std::string(10000, '}');
  ExpectQuick([&] {
    EXPECT_EQ(SearchError(R"(, "filters": )" + filter).code, ErrorCode::kValidationError);
  });
  std::string and_filter;
  for (int i = 0; i < 10000; ++i) and_filter += R"({"$and": [)";
  and_filter += R"({"n": 1})";
  for (int i = 0; i < 10000; ++i) and_filter += "]}";
  ExpectQuick([&] {
    EXPECT_EQ(SearchError(R"(, "filters": )" + and_filter).code, ErrorCode::kValidationError);
  });
}

TEST_F(RowSearchTest, DepthCapOfTheCompiler) {
  const auto nested = [](size_t depth) {
    std::string filter;
    for (size_t i = 0; i < depth; ++i) filter += R"({"$not": )";
    return filter + R"({"n": 1})" + std::string(depth, '}');
  };
  EXPECT_EQ(SearchError(R"(, "filters": )" + nested(kMaxFilterDepth + 1)),
            Invalid("Filter nests $and/$or/$not deeper than 32 levels"));
  EXPECT_EQ(SearchIds(R"(, "filters": )" + nested(kMaxFilterDepth)), std::vector<int64_t>{});
}

TEST_F(RowSearchTest, HugeInListIsRefusedQuickly) {
  std::string values = "0";
  for (int i = 1; i < 100000; ++i) values += "," + std::to_string(i);
  ExpectQuick([&] {
    EXPECT_EQ(SearchError(R"(, "filters": {"n": {"$in": [)" + values + "]}}"),
              Invalid("Set operator '$in' on field 'n' allows at most 1000 values, got 100000"));
  });
}

TEST_F(RowSearchTest, TotalValuesAndConditionsAreCapped) {
  std::string values = "0";
  for (int i = 1; i < 600; ++i) values += "," + std::to_string(i);
  EXPECT_EQ(SearchError(R"(, "filters": {"$or": [{"n": {"$in": [)" + values +
                        R"(]}}, {"n": {"$in": [)" + values + "]}}]}"),
            Invalid("Filter has more than 1000 values"));
  std::string many = R"({"$or": [)";
  for (size_t i = 0; i <= kMaxFilterConditions; ++i)
    many += std::string(i ? "," : "") + R"({"n": 1})";
  many += "]}";
  EXPECT_EQ(SearchError(R"(, "filters": )" + many), Invalid("Filter has more than 256 conditions"));
}

TEST_F(RowSearchTest, SqlQuotesEveryIdentifierAndBindsEveryValue) {
  const RowSearch search = CommandOf(DecodeRowSearch(
      "p",
      R"({"table": "items", "filters": {"title": "x'; DROP TABLE p_items; --", "$or": [{"n": {"$gte": 1, "$lt": 5}}, {"body": {"$like": "%a%"}}]}, "sort": [{"field": "n", "order": "DESC"}]})",
      context_));
  EXPECT_EQ(search.select.sql,
            "SELECT \"id\", \"title\", \"body\", \"n\", \"f\", \"ok\", \"at\", \"created_at\", "
            "\"updated_at\" FROM \"p_items\" WHERE (((\"n\" >= ? AND \"n\" < ?) OR \"body\" "
            "LIKE ?) AND \"title\" = ?) ORDER BY \"n\" DESC, \"id\" ASC LIMIT ? OFFSET ?");
  EXPECT_EQ(search.select.params, (std::vector<SqlValue>{int64_t{1}, int64_t{5}, std::string("%a%"),
                                                         std::string("x'; DROP TABLE p_items; --"),
                                                         int64_t{101}, int64_t{0}}));
}

TEST_F(RowSearchTest, PostgresRendering) {
  context_.dialect = Dialect::kPostgres;
  const RowSearch search = CommandOf(DecodeRowSearch(
      "p",
      R"({"table": "items", "filters": {"title": {"$like": "a%"}}, "sort": {"field": "title"}})",
      context_));
  EXPECT_EQ(search.select.sql,
            "SELECT \"id\", \"title\", \"body\", \"n\", \"f\", \"ok\", \"at\", \"created_at\", "
            "\"updated_at\" FROM \"p_items\" WHERE \"title\" ILIKE $1 ESCAPE '' ORDER BY \"title\" "
            "COLLATE \"C\" ASC NULLS FIRST, \"id\" ASC NULLS FIRST LIMIT $2 OFFSET $3");
}

// A number column against text, on PostgreSQL as SQLite compares them: text
// that reads as a number is that number, other text is above every number.
TEST_F(RowSearchTest, PostgresComparesNumberColumnsWithTextAsSqlite) {
  context_.dialect = Dialect::kPostgres;
  const RowSearch search = CommandOf(DecodeRowSearch(
      "p",
      R"({"table": "items", "filters": {"n": {"$lt": "abc", "$ne": " 5 "},
          "f": {"$in": ["x", "2.5"]}, "ok": {"$nin": ["yes"]}}})",
      context_));
  const std::string where = search.select.sql.substr(search.select.sql.find(" WHERE "));
  EXPECT_EQ(where.substr(0, where.find(" ORDER BY")),
            " WHERE ((CASE WHEN \"n\" IS NULL THEN NULL ELSE TRUE END) AND \"n\" != $1 AND "
            "\"f\" IN ($2) AND (CASE WHEN \"ok\" IS NULL THEN NULL ELSE TRUE END))");
  EXPECT_EQ(std::vector<SqlValue>(search.select.params.begin(), search.select.params.begin() + 2),
            (std::vector<SqlValue>{int64_t{5}, 2.5}));
}

}  // namespace
}  // namespace roseyd::storage_api
