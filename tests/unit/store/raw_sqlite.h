#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace roseyd::store {

// A plain sqlite3 connection of the kind other processes (Rosey's web UI)
// open on the same file: the tests' independent view of the rows.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK) << path;
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawSqlite() { sqlite3_close(db_); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  // Runs `sql`; returns the error message, or "" on success.
  std::string Exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    std::string message = rc == SQLITE_OK ? "" : (error ? error : sqlite3_errstr(rc));
    sqlite3_free(error);
    return message;
  }

  // The first column of the first row, or nullopt for no row or NULL.
  std::optional<int64_t> Int(const std::string& sql) {
    std::optional<int64_t> value;
    Query(sql, [&](sqlite3_stmt* s) {
      if (sqlite3_column_type(s, 0) != SQLITE_NULL) value = sqlite3_column_int64(s, 0);
    });
    return value;
  }
  std::optional<double> Double(const std::string& sql) {
    std::optional<double> value;
    Query(sql, [&](sqlite3_stmt* s) {
      if (sqlite3_column_type(s, 0) != SQLITE_NULL) value = sqlite3_column_double(s, 0);
    });
    return value;
  }
  std::optional<std::string> Text(const std::string& sql) {
    std::optional<std::string> value;
    Query(sql, [&](sqlite3_stmt* s) {
      if (sqlite3_column_type(s, 0) != SQLITE_NULL) {
        value = std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                            static_cast<size_t>(sqlite3_column_bytes(s, 0)));
      }
    });
    return value;
  }
  // sqlite3 type of the first column of the first row (SQLITE_INTEGER...).
  int Type(const std::string& sql) {
    int type = 0;
    Query(sql, [&](sqlite3_stmt* s) { type = sqlite3_column_type(s, 0); });
    return type;
  }

  sqlite3* get() { return db_; }

 private:
  template <typename F>
  void Query(const std::string& sql, F first_row) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    if (sqlite3_step(stmt) == SQLITE_ROW) first_row(stmt);
    sqlite3_finalize(stmt);
  }

  sqlite3* db_ = nullptr;
};

}  // namespace roseyd::store
