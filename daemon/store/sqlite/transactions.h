#pragma once

#include "base/status.h"
#include "store/sqlite/database.h"

namespace roseyd::store {

// The write connection's BEGIN IMMEDIATE, COMMIT and ROLLBACK, prepared once.
//
// Thread: confined to the writer thread, like its Database. *db must outlive it.
class Transactions {
 public:
  explicit Transactions(Database* db);

  Transactions(const Transactions&) = delete;
  Transactions& operator=(const Transactions&) = delete;

  Status Begin();
  // A failed COMMIT may leave the transaction open: Rollback() then.
  Status Commit();
  // Rolls back the open transaction, if any. A failure is logged, not
  // returned: SQLite has then rolled back already or the connection is gone.
  void Rollback();

  // Runs work() (returning Status) in a transaction of its own; rolls back
  // and returns the failure if any step fails.
  template <typename Work>
  Status Run(Work work) {
    Status s = Begin();
    if (s.ok()) s = work();
    if (s.ok()) s = Commit();
    if (!s.ok()) Rollback();
    return s;
  }

 private:
  Database* const db_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
};

}  // namespace roseyd::store
