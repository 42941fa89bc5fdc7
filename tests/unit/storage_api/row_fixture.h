#pragma once

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "storage_api/row_commands.h"
#include "storage_api/row_schema.h"
#include "storage_api/row_search.h"
#include "storage_api/schema_catalog.h"
#include "unit/storage_api/sqlite_db.h"

namespace roseyd::storage_api {

// A registered table "p_items" in a fresh in-memory database, and helpers to
// decode and run row requests against it.
class RowFixture : public ::testing::Test {
 protected:
  static constexpr const char* kNow = "2025-01-02 03:04:05.000006";

  void SetUp() override {
    RowSchema schema({{"title", FieldType::kString, true},
                      {"body", FieldType::kText, false},
                      {"n", FieldType::kInteger, false},
                      {"f", FieldType::kFloat, false},
                      {"ok", FieldType::kBoolean, false},
                      {"at", FieldType::kDatetime, false}});
    ASSERT_EQ(db_.Exec(CreateTableSql("p_items", schema)), "");
    catalog_.Add("p", "items", std::move(schema));
    context_.schemas = &catalog_;
    context_.now = kNow;
  }

  template <typename T>
  static ErrorReply ErrorOf(const std::variant<T, ErrorReply>& result) {
    if (const auto* error = std::get_if<ErrorReply>(&result)) return *error;
    ADD_FAILURE() << "decoded, expected an error";
    return {};
  }

  template <typename T>
  static T CommandOf(const std::variant<T, ErrorReply>& result) {
    if (const auto* error = std::get_if<ErrorReply>(&result)) {
      ADD_FAILURE() << "error: " << error->message;
    }
    return std::get<T>(result);
  }

  // Inserts rows (a JSON object or array) and returns the new ids.
  std::vector<int64_t> Insert(const std::string& data) {
    const auto result =
        DecodeRowInsert("p", R"({"table": "items", "data": )" + data + "}", context_);
    std::vector<int64_t> ids;
    if (std::holds_alternative<ErrorReply>(result)) {
      ADD_FAILURE() << std::get<ErrorReply>(result).message;
      return ids;
    }
    for (const Statement& insert : std::get<RowInsert>(result).inserts) {
      ids.push_back(std::get<int64_t>(db_.Run(insert).at(0).at(0)));
    }
    return ids;
  }

  // The search reply for a request body (table added).
  std::string Search(const std::string& body) {
    const auto result = DecodeRowSearch("p", R"({"table": "items")" + body + "}", context_);
    if (const auto* error = std::get_if<ErrorReply>(&result)) return "error: " + error->message;
    const RowSearch& search = std::get<RowSearch>(result);
    const auto rendered = RenderRowSearchReply(search, db_.Run(search.select));
    if (const auto* error = std::get_if<ErrorReply>(&rendered)) return "error: " + error->message;
    return std::get<std::string>(rendered);
  }

  // The ids a search returns, in order.
  std::vector<int64_t> SearchIds(const std::string& body) {
    const auto result = DecodeRowSearch("p", R"({"table": "items")" + body + "}", context_);
    std::vector<int64_t> ids;
    if (const auto* error = std::get_if<ErrorReply>(&result)) {
      ADD_FAILURE() << body << ": " << error->message;
      return ids;
    }
    for (const auto& row : db_.Run(std::get<RowSearch>(result).select)) {
      ids.push_back(std::get<int64_t>(row.at(0)));
    }
    return ids;
  }

  ErrorReply SearchError(const std::string& body) {
    return ErrorOf(DecodeRowSearch("p", R"({"table": "items")" + body + "}", context_));
  }

  SqliteDb db_;
  SchemaCatalog catalog_;
  RowContext context_;
};

}  // namespace roseyd::storage_api
