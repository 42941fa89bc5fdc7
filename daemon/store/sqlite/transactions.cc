#include "store/sqlite/transactions.h"

#include <spdlog/spdlog.h>

namespace roseyd::store {

Transactions::Transactions(Database* db)
    : db_(db),
      begin_(db, "BEGIN IMMEDIATE", true),
      commit_(db, "COMMIT", true),
      rollback_(db, "ROLLBACK", true) {}

Status Transactions::Begin() { return RunWith(&begin_); }

Status Transactions::Commit() { return RunWith(&commit_); }

void Transactions::Rollback() {
  if (!db_->InTransaction()) return;
  const Status s = RunWith(&rollback_);
  if (!s.ok()) spdlog::warn("store: rollback failed: {}", s.ToString());
}

}  // namespace roseyd::store
