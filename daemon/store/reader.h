#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage_api/kv.h"
#include "storage_api/migration_tracking.h"
#include "storage_api/row_commands.h"
#include "storage_api/row_search.h"
#include "storage_api/schema_catalog.h"
#include "store/rows.h"

namespace roseyd::store {

// What a roseyd that does not write reads of the one that does: the
// writer's stream position (StoreWriter::StreamPosition), as committed.
// FollowerSink needs this alone; every Reader is one.
class PositionReader {
 public:
  virtual ~PositionReader() = default;

  // *out is 0 when no stream event was written. Stores only one process
  // writes to need not keep it readable here.
  virtual Status StreamPosition(std::string_view /*stream*/, uint64_t* out) {
    *out = 0;
    return Status::Unavailable("this store does not share its stream position");
  }

  // From any thread, for a stop past its deadline: the call in progress and
  // every later one fail soon instead of waiting for a server that does not
  // answer. Nothing for a store whose reads cannot hang (a local file).
  virtual void Interrupt() noexcept {}
};

// The read side of a store: the protocol's queries. Each call sees every
// transaction committed before it. Errors (busy past a timeout, I/O) come
// back as a non-OK Status. Store::OpenReader makes one; SqliteReader
// (store/sqlite/sqlite_reader.h) is the SQLite one.
//
// Thread: confined to one thread at a time; use one Reader per request worker.
class Reader : public PositionReader {
 public:

  // Unsent outbound messages due for (re)delivery at `now` (Unix seconds):
  // sent=0, retry_count < max_retries, and retry_count=0 or
  // timestamp + 2^retry_count*60 <= now; oldest first.
  virtual Status OutboundPending(int limit, int max_retries, int64_t now,
                                 std::vector<OutboundRow>* out) = 0;

  // The newest `limit` recent_chat rows, returned oldest first.
  virtual Status RecentChat(int limit, std::vector<ChatRow>* out) = 0;

  // get_recent_messages(limit, offset): newest first.
  virtual Status RecentMessages(int limit, int offset, std::vector<RecentMessageRow>* out) = 0;

  // The high-water marks, the top chatters and how many users were seen, as
  // of one moment.
  virtual Status GetChannelStats(ChannelStats* out) = 0;

  // Sets *out to nullopt when the user is unknown.
  virtual Status GetUserStats(std::string_view username, std::optional<UserStatsRow>* out) = 0;

  // Row count of `table` (one of the schema's tables), for tests and
  // benchmarks; InvalidArgument for any other name.
  virtual Status CountRows(std::string_view table, int64_t* out) = 0;

  // The plugin storage API's reads (rosey.db.kv, row, migrate), each running
  // the storage API's statement for the command in the store's dialect
  // (store/plugin_reads.h has the shared implementation). Times are Unix
  // seconds: a key whose expires_at is not after `now` is not returned.
  // The stored text of a live key, or nullopt.
  virtual Status KvGet(const storage_api::KvKey& key, int64_t now,
                       std::optional<std::string>* value_json) = 0;
  // Live keys with the prefix in byte order, up to list.limit + 1.
  virtual Status KvList(const storage_api::KvList& list, int64_t now,
                        std::vector<std::string>* keys) = 0;
  // The selected row, or nullopt.
  virtual Status RowSelect(const storage_api::RowSelect& select,
                           std::optional<storage_api::RowCells>* row) = 0;
  // The rows found, up to search.limit + 1.
  virtual Status RowSearch(const storage_api::RowSearch& search,
                           std::vector<storage_api::RowCells>* rows) = 0;
  // The plugin's current migration version and its tracking rows by version.
  virtual Status Migrations(std::string_view plugin, int64_t* current_version,
                            std::vector<storage_api::TrackingRow>* rows) = 0;
  // Adds every registered table schema to *catalog (LoadRegisteredSchemas);
  // *load says what it found.
  virtual Status LoadSchemas(storage_api::SchemaCatalog* catalog,
                             storage_api::CatalogLoad* load) = 0;
};

}  // namespace roseyd::store
