#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "storage_api/sql.h"

namespace roseyd::storage_api {

// A raw in-memory SQLite database that runs compiled Statements: the tests'
// proof that the SQL means what the contract says.
class SqliteDb {
 public:
  SqliteDb() { EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  ~SqliteDb() { sqlite3_close(db_); }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs plain SQL; returns the error message, "" on success.
  std::string Exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    std::string message = rc == SQLITE_OK ? "" : (error ? error : sqlite3_errstr(rc));
    sqlite3_free(error);
    return message;
  }

  // Binds and steps `statement`; the rows it returned. A failure is a test
  // failure (and no rows), with SQLite's message in *error if given.
  std::vector<std::vector<SqlValue>> Run(const Statement& statement, std::string* error = nullptr) {
    std::vector<std::vector<SqlValue>> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, statement.sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      Fail(statement, error);
      return rows;
    }
    for (size_t i = 0; i < statement.params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      const SqlValue& value = statement.params[i];
      if (const auto* n = std::get_if<int64_t>(&value)) {
        sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* d = std::get_if<double>(&value)) {
        sqlite3_bind_double(stmt, index, *d);
      } else if (const auto* s = std::get_if<std::string>(&value)) {
        sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(stmt, index);
      }
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<SqlValue> row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            row.emplace_back(int64_t{sqlite3_column_int64(stmt, c)});
            break;
          case SQLITE_FLOAT:
            row.emplace_back(sqlite3_column_double(stmt, c));
            break;
          case SQLITE_NULL:
            row.emplace_back();
            break;
          default:
            row.emplace_back(
                std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                            static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) Fail(statement, error);
    sqlite3_finalize(stmt);
    return rows;
  }

  int64_t Changes() const { return sqlite3_changes64(db_); }

 private:
  void Fail(const Statement& statement, std::string* error) {
    if (error != nullptr) {
      *error = sqlite3_errmsg(db_);
    } else {
      ADD_FAILURE() << sqlite3_errmsg(db_) << " in " << statement.sql;
    }
  }

  sqlite3* db_ = nullptr;
};

// The first column of each row, as text (for key lists and single columns).
inline std::vector<std::string> Texts(const std::vector<std::vector<SqlValue>>& rows) {
  std::vector<std::string> texts;
  for (const auto& row : rows) {
    if (const auto* s = std::get_if<std::string>(&row.at(0))) {
      texts.push_back(*s);
    } else if (const auto* n = std::get_if<int64_t>(&row.at(0))) {
      texts.push_back(std::to_string(*n));
    } else {
      texts.push_back("NULL");
    }
  }
  return texts;
}

}  // namespace roseyd::storage_api
