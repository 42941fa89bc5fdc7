// The compiled search SQL run on a real SQLite database: the semantics the
// contract requires (LIKE folding ASCII case, NULLs first ascending, BINARY
// collation, IN/NOT IN with NULL, datetimes compared as stored text) and
// roseyd's fixes ($or elements ANDed, sibling keys ANDed, id tie-breaker).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/storage_api/row_fixture.h"

namespace roseyd::storage_api {
namespace {

class SearchSqlTest : public RowFixture {
 protected:
  void SetUp() override {
    RowFixture::SetUp();
    // ids 1..6
    Insert(R"([
      {"title": "abc", "n": 1, "f": 0.5, "ok": true, "at": "2025-01-02T00:00:00"},
      {"title": "ABD", "n": 2, "ok": false, "at": "2025-01-02T12:00:00.5"},
      {"title": "B", "n": null, "body": "x", "at": "2024-12-31"},
      {"title": "a_c", "n": 2, "ok": true},
      {"title": "\u00e9t\u00e9", "n": 3, "body": "y"},
      {"title": "\u00c9T\u00c9", "n": 1}
    ])");
  }
};

TEST_F(SearchSqlTest, NoFilterIsIdOrder) {
  EXPECT_EQ(SearchIds(""), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(SearchSqlTest, LikeFoldsAsciiCaseOnly) {
  EXPECT_EQ(SearchIds(R"(, "filters": {"title": {"$like": "ab%"}})"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"title": {"$ilike": "AB_"}})"),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"title": {"$like": "a_c"}})"), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"title": {"$like": "\u00e9%"}})"),
            (std::vector<int64_t>{5}));
}

TEST_F(SearchSqlTest, EqualityIsBinary) {
  EXPECT_EQ(SearchIds(R"(, "filters": {"title": "abc"})"), (std::vector<int64_t>{1}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"title": "ABC"})"), (std::vector<int64_t>{}));
}

TEST_F(SearchSqlTest, SortNullsFirstAscendingLastDescendingBinaryCollation) {
  EXPECT_EQ(SearchIds(R"(, "sort": {"field": "n"})"), (std::vector<int64_t>{3, 1, 6, 2, 4, 5}));
  EXPECT_EQ(SearchIds(R"(, "sort": {"field": "n", "order": "DESC"})"),
            (std::vector<int64_t>{5, 2, 4, 1, 6, 3}));
  EXPECT_EQ(SearchIds(R"(, "sort": [{"field": "title"}])"),
            (std::vector<int64_t>{2, 3, 4, 1, 6, 5}));
  EXPECT_EQ(
      SearchIds(R"(, "sort": [{"field": "ok", "order": "desc"}, {"field": "n", "order": "desc"}])"),
      (std::vector<int64_t>{4, 1, 2, 5, 6, 3}));
}

TEST_F(SearchSqlTest, InAndNotInWithNull) {
  EXPECT_EQ(SearchIds(R"(, "filters": {"n": {"$in": [1, null]}})"), (std::vector<int64_t>{1, 6}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"n": {"$nin": [1]}})"), (std::vector<int64_t>{2, 4, 5}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"n": {"$nin": [1, null]}})"), (std::vector<int64_t>{}));
}

TEST_F(SearchSqlTest, NullComparisons) {
  EXPECT_EQ(SearchIds(R"(, "filters": {"n": null})"), (std::vector<int64_t>{3}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"n": {"$eq": null}})"), (std::vector<int64_t>{3}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"n": {"$ne": null}})"),
            (std::vector<int64_t>{1, 2, 4, 5, 6}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"n": {"$ne": 2}})"), (std::vector<int64_t>{1, 5, 6}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"body": {"$exists": true}})"), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"body": {"$null": false}})"), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"body": {"$exists": false}})"),
            (std::vector<int64_t>{1, 2, 4, 6}));
}

TEST_F(SearchSqlTest, BooleansCompareAsOneAndZero) {
  EXPECT_EQ(SearchIds(R"(, "filters": {"ok": true})"), (std::vector<int64_t>{1, 4}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"ok": {"$ne": true}})"), (std::vector<int64_t>{2}));
}

TEST_F(SearchSqlTest, DatetimesCompareAsStoredText) {
  EXPECT_EQ(SearchIds(R"(, "filters": {"at": {"$gte": "2025-01-02"}})"),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"at": {"$gt": "2025-01-02 00:00:00.000000"}})"),
            (std::vector<int64_t>{2}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"at": "2025-01-02T00:00:00"})"), (std::vector<int64_t>{}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"at": "2025-01-02 00:00:00.000000"})"),
            (std::vector<int64_t>{1}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"created_at": {"$lte": "2025-01-02 03:04:05.000006"}})"),
            (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(SearchSqlTest, OrElementsAreAndedAndSiblingKeysToo) {
  // {"$or": [{"n": 2, "ok": true}, {"title": "B"}]}: (n=2 AND ok) OR title=B.
  EXPECT_EQ(SearchIds(R"(, "filters": {"$or": [{"n": 2, "ok": true}, {"title": "B"}]})"),
            (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"$or": [{"n": 1}, {"n": 3}], "title": "abc"})"),
            (std::vector<int64_t>{1}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"$and": [{"n": {"$gte": 2}}, {"n": {"$lt": 3}}]})"),
            (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"$not": {"n": 1, "title": "abc"}})"),
            (std::vector<int64_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(SearchIds(R"(, "filters": {"$or": [{}, {"n": 1}]})"),
            (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(SearchSqlTest, IdBreaksTiesAndLimitOffsetTruncate) {
  EXPECT_EQ(SearchIds(R"(, "sort": {"field": "n", "order": "desc"}, "limit": 2, "offset": 1)"),
            (std::vector<int64_t>{2, 4, 1}));
  EXPECT_EQ(
      Search(R"(, "filters": {"n": 2}, "limit": 1)"),
      R"({"success": true, "rows": [{"id": 2, "title": "ABD", "body": null, "n": 2, "f": null, "ok": false, "at": "2025-01-02T12:00:00.500000", "created_at": "2025-01-02T03:04:05.000006", "updated_at": "2025-01-02T03:04:05.000006"}], "count": 1, "truncated": true})");
  EXPECT_EQ(
      Search(R"(, "filters": {"n": 3})"),
      R"({"success": true, "rows": [{"id": 5, "title": "\u00e9t\u00e9", "body": "y", "n": 3, "f": null, "ok": null, "at": null, "created_at": "2025-01-02T03:04:05.000006", "updated_at": "2025-01-02T03:04:05.000006"}], "count": 1, "truncated": false})");
  EXPECT_EQ(Search(R"(, "filters": {"n": 99})"),
            R"({"success": true, "rows": [], "count": 0, "truncated": false})");
}

TEST_F(SearchSqlTest, FloatsRenderAsRepr) {
  EXPECT_EQ(
      Search(R"(, "filters": {"id": 1}, "limit": 1)"),
      R"({"success": true, "rows": [{"id": 1, "title": "abc", "body": null, "n": 1, "f": 0.5, "ok": true, "at": "2025-01-02T00:00:00", "created_at": "2025-01-02T03:04:05.000006", "updated_at": "2025-01-02T03:04:05.000006"}], "count": 1, "truncated": false})");
}

}  // namespace
}  // namespace roseyd::storage_api
