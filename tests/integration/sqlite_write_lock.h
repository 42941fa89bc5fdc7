#pragma once

#include <sqlite3.h>

#include <string>

namespace roseyd::testing {

// Holds a SQLite file's write lock (BEGIN IMMEDIATE), as another tool on the
// shared file could, until released or destroyed.
class SqliteWriteLock {
 public:
  explicit SqliteWriteLock(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) return;
    sqlite3_busy_timeout(db_, 5000);  // roseyd may be mid-commit
    held_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~SqliteWriteLock() {
    Release();
    sqlite3_close(db_);
  }
  SqliteWriteLock(const SqliteWriteLock&) = delete;
  SqliteWriteLock& operator=(const SqliteWriteLock&) = delete;

  bool held() const { return held_; }
  void Release() {
    if (held_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    held_ = false;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
};

}  // namespace roseyd::testing
