#pragma once

#include <cstdint>
#include <optional>

#include "base/status.h"
#include "store/sqlite/database.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/transactions.h"

namespace roseyd::store {

// The periodic upkeep of the file: recent_chat retention, and maintenance
// (old user counts, sent outbound messages, revoked tokens, ANALYZE), whose
// last run is kept in roseyd_meta so that it survives restarts. Each call
// runs in a transaction of its own.
//
// Thread: confined to the writer thread, like its Database. *db and
// *transactions must outlive it.
class Maintenance {
 public:
  // Prepares the statements for the file's `layout`; throws StartupError.
  // REQUIRES: the schema exists.
  Maintenance(Database* db, Transactions* transactions, const SchemaLayout& layout);

  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  // Deletes recent_chat rows older than `cutoff` (Unix seconds).
  Status PruneRecentChat(int64_t cutoff);

  // Deletes user counts older than 30 days, outbound messages sent more than
  // 7 days ago and tokens revoked more than 90 days ago, records `now` as the
  // last run, then refreshes the planner's statistics.
  Status Run(int64_t now);

  // The `now` of the last successful Run(), or nullopt if none is recorded.
  std::optional<int64_t> LastRun();

 private:
  Database* const db_;
  Transactions* const transactions_;
  Statement prune_chat_, prune_history_, prune_sent_, prune_tokens_;
  Statement set_last_run_, last_run_;
};

}  // namespace roseyd::store
