#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/reader.h"
#include "store/rows.h"
#include "store/sqlite/database.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_session.h"

namespace roseyd::store {

// The Reader on a SQLite file: a read-only connection with the protocol's
// queries prepared once, and the plugin storage reads (store/plugin_reads.h)
// on a SqliteSession of its own. Sees every transaction committed before each call
// (WAL snapshot per statement). Errors (busy past the timeout, I/O) come back
// as a non-OK Status.
//
// Thread: confined to one thread at a time, like the Reader it implements.
class SqliteReader : public Reader {
 public:
  // Opens `path` read-only. Throws StartupError if it cannot. The writer
  // must have created the schema first.
  SqliteReader(const std::string& path, std::chrono::milliseconds busy_timeout);
  ~SqliteReader() override;

  SqliteReader(const SqliteReader&) = delete;
  SqliteReader& operator=(const SqliteReader&) = delete;

  Status OutboundPending(int limit, int max_retries, int64_t now,
                         std::vector<OutboundRow>* out) override;
  Status RecentChat(int limit, std::vector<ChatRow>* out) override;
  Status RecentMessages(int limit, int offset, std::vector<RecentMessageRow>* out) override;
  Status GetChannelStats(ChannelStats* out) override;
  Status GetUserStats(std::string_view username, std::optional<UserStatsRow>* out) override;
  Status CountRows(std::string_view table, int64_t* out) override;
  Status KvGet(const storage_api::KvKey& key, int64_t now,
               std::optional<std::string>* value_json) override;
  Status KvList(const storage_api::KvList& list, int64_t now,
                std::vector<std::string>* keys) override;
  Status RowSelect(const storage_api::RowSelect& select,
                   std::optional<storage_api::RowCells>* row) override;
  Status RowSearch(const storage_api::RowSearch& search,
                   std::vector<storage_api::RowCells>* rows) override;
  Status Migrations(std::string_view plugin, int64_t* current_version,
                    std::vector<storage_api::TrackingRow>* rows) override;
  Status LoadSchemas(storage_api::SchemaCatalog* catalog,
                     storage_api::CatalogLoad* load) override;

 private:
  Status ReadChannelStats(ChannelStats* out);

  // Statements die before the connection.
  Database db_;
  const SchemaLayout layout_;
  Statement outbound_;
  Statement recent_chat_;
  Statement recent_messages_;
  Statement channel_stats_;
  Statement top_chatters_;
  Statement users_seen_;
  Statement user_stats_;
  Statement begin_;
  Statement commit_;
  std::vector<Statement> counts_;  // parallel to TableNames()
  SqliteSession session_;          // plugin storage
};

}  // namespace roseyd::store
