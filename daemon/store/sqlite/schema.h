#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "store/sqlite/database.h"

namespace roseyd::store {

// Creates the Rosey schema in *db, or upgrades a file made by the original
// Python service (or by an earlier roseyd) in place: adds the columns it
// added later by ALTER TABLE and the plugin storage tables
// (plugin_kv_storage, plugin_table_schemas, plugin_schema_migrations, with
// the original's DDL), seeds the single rows of channel_stats and
// current_status, and records `now` (Unix seconds) in roseyd_meta. A file
// laid out like Rosey's newest models (SchemaLayout) is used as it is.
// Runs in one IMMEDIATE transaction, so it also proves the file can be read
// and written. Never renames or drops anything: the original's queries keep
// working on the file. Throws StartupError naming the file on failure.
void CreateOrUpgradeSchema(Database* db, int64_t now);

// Where the classic tables of a file differ in columns roseyd reads or
// writes: roseyd's and the original's layout (ROSEY_PROTOCOL.md), or that of
// Rosey's newest models (schema-head-create_all.sql), which renamed
// outbound_messages.last_error to error_message and replaced
// api_tokens.revoked with is_active (inverted).
struct SchemaLayout {
  bool outbound_error_message = false;  // outbound_messages.error_message, not last_error
  bool tokens_is_active = false;        // api_tokens.is_active = 0 marks a revoked token

  // The outbound_messages column of a delivery's last error.
  std::string_view OutboundErrorColumn() const {
    return outbound_error_message ? "error_message" : "last_error";
  }
};

// Reads the layout of the file's tables. Throws StartupError.
// REQUIRES: the schema exists.
SchemaLayout DetectLayout(Database* db);

// The protocol's tables (not roseyd_meta), e.g. for validating a table name.
std::span<const std::string_view> TableNames();
bool IsTableName(std::string_view name);

// The current_status columns a status update may set, in table order.
inline constexpr size_t kStatusColumnCount = 11;
std::span<const std::string_view> StatusColumns();
// Position of `column` in StatusColumns(), or -1 if it is not whitelisted.
int StatusColumnIndex(std::string_view column);

// roseyd's own key/value table (roseyd_meta); the original never reads it.
inline constexpr std::string_view kMetaLastMaintenance = "last_maintenance";
inline constexpr std::string_view kMetaLastOpen = "last_open";
// The roseyd_meta key of the last sequence of JetStream stream `stream`
// whose event is in the file.
inline std::string StreamSeqKey(std::string_view stream) {
  return "jetstream." + std::string(stream) + ".last_seq";
}

}  // namespace roseyd::store
