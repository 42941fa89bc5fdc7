#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_sql_session.h"
#include "store/reader.h"
#include "store/rows.h"

namespace roseyd::store {

// The Reader on PostgreSQL: a connection of its own with the protocol's
// queries prepared once, on Rosey's tables. Each query sees every transaction
// committed before it (READ COMMITTED); channel stats read one snapshot.
// Replies match SQLite's row for row: names sort bytewise (COLLATE "C", as
// SQLite's BINARY), a missing high-water value reads as 0, and the retry
// back-off is computed without overflowing where SQLite's turned real.
//
// A lost connection fails the call in progress; the next call reconnects.
// A query that fails on a connection that just broke is tried once more on
// a new one (reads change nothing), so a server restart between requests is
// not seen by the asker.
//
// Thread: confined to one thread at a time, like the Reader it implements.
class PostgresReader : public Reader {
 public:
  // Connects to `url` and prepares the queries. Throws StartupError naming
  // the redacted URI and the reason. REQUIRES: the schema exists.
  explicit PostgresReader(const std::string& url);

  PostgresReader(const PostgresReader&) = delete;
  PostgresReader& operator=(const PostgresReader&) = delete;

  Status OutboundPending(int limit, int max_retries, int64_t now,
                         std::vector<OutboundRow>* out) override;
  Status RecentChat(int limit, std::vector<ChatRow>* out) override;
  Status RecentMessages(int limit, int offset, std::vector<RecentMessageRow>* out) override;
  Status GetChannelStats(ChannelStats* out) override;
  Status GetUserStats(std::string_view username, std::optional<UserStatsRow>* out) override;
  Status CountRows(std::string_view table, int64_t* out) override;
  Status StreamPosition(std::string_view stream, uint64_t* out) override;
  void Interrupt() noexcept override { conn_.Interrupt(); }

  // The plugin storage API's reads: the shared ones (store/plugin_reads.h)
  // through a PgSqlSession on the same connection.
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
  Status Connect();
  // Runs prepared statement `name` with params_, reconnecting and trying
  // once more if the connection was lost.
  Status Query(const char* name, PgResult* out);
  Status ReadChannelStats(ChannelStats* out);
  // Runs `read` on the session, connected, and once more on a new
  // connection if the first broke.
  Status PluginRead(const std::function<Status()>& read);

  PgConnection conn_;
  PgSqlSession session_;
  PgParams params_;
  std::string text_;  // a bound text parameter
};

}  // namespace roseyd::store
