#pragma once

#include <cstdint>
#include <optional>

#include "base/status.h"
#include "store/postgres/pg_connection.h"

namespace roseyd::store {

// The writer's upkeep of the database, each call in a transaction of its
// own, outside any batch: closing the sessions left open at stop, recent_chat
// retention, and maintenance (old user counts, sent outbound messages,
// deactivated tokens, ANALYZE), whose last run is kept in roseyd_meta so
// that it survives restarts. A failure is rolled back and returned.
//
// Thread: confined to the writer thread. *conn must outlive it.
class PgMaintenance {
 public:
  explicit PgMaintenance(PgConnection* conn) : conn_(conn) {}

  PgMaintenance(const PgMaintenance&) = delete;
  PgMaintenance& operator=(const PgMaintenance&) = delete;

  // Ends every open user session at `now` (Unix seconds), as user_left would.
  // REQUIRES (each call): *conn is connected and in no transaction.
  Status CloseSessions(int64_t now);
  // Deletes recent_chat rows older than `cutoff` (Unix seconds).
  Status PruneRecentChat(int64_t cutoff);
  // Deletes user counts older than 30 days, outbound messages sent more
  // than 7 days ago and tokens deactivated (Rosey's is_active) and created
  // more than 90 days ago, records `now` as the last run, then refreshes the
  // planner's statistics of the protocol's tables.
  Status Run(int64_t now);
  // The `now` of the last successful Run(), or nullopt if none is recorded.
  std::optional<int64_t> LastRun();

 private:
  template <typename Work>
  Status InTransaction(Work work);

  PgConnection* const conn_;
  PgParams params_;
};

}  // namespace roseyd::store
