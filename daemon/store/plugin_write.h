#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/status.h"
#include "storage_api/error_reply.h"
#include "storage_api/kv.h"
#include "storage_api/migrate.h"
#include "storage_api/migration_files.h"
#include "storage_api/row_commands.h"
#include "storage_api/row_schema.h"

namespace roseyd::store {

// The plugin-storage writes (ROSEY_STORAGE_API.md), as the service decoded
// them on arrival. They travel to the writer with the events, in arrival
// order, and are applied in the event batches' transactions.

// rosey.db.kv.delete (its KvKey is shared with kv.get, a read).
struct KvDelete {
  storage_api::KvKey key;
};

// rosey.db.migrate.<plugin>.apply and .rollback: the request and the
// plugin's migration files as they were when it arrived (read on the intake
// thread, so that the writer does no file I/O).
struct MigrateApply {
  std::string plugin;
  storage_api::MigrateRequest request;
  storage_api::MigrationDiscovery files;
};
struct MigrateRollback {
  std::string plugin;
  storage_api::MigrateRequest request;
  storage_api::MigrationDiscovery files;
};

using PluginCommand =
    std::variant<storage_api::KvSet, KvDelete, storage_api::SchemaRegister, storage_api::RowInsert,
                 storage_api::RowUpdate, storage_api::RowDelete, MigrateApply, MigrateRollback>;

// What the writer did with one PluginCommand.
struct PluginOutcome {
  // Not OK: the command changed nothing (it was rolled back to its own
  // savepoint): a constraint, a table that is missing, ... The other writes
  // of its batch are not affected.
  Status status;
  // Set: the writer refused the command on what the database holds (a
  // schema.register whose table is not the plugin's, an update whose result
  // no reply could carry); it changed nothing and this is the reply's error.
  std::optional<storage_api::ErrorReply> refusal;
  int64_t changes = 0;       // kv.delete, row.delete, row.update: rows matched
  std::vector<int64_t> ids;  // row.insert: each row's id, in request order
  std::string reply;         // migrate: the whole reply (success or failure)
  std::optional<storage_api::ErrorCode> reply_error;  // migrate: the reply's error code, if any
};

// A plugin-storage write and the slot for its outcome, shared between the
// Event that carries it to the writer and the request that replies with it.
//
// Thread: `command` is immutable. `outcome` is written by the writer thread
// only, before the commit of the batch that holds the write (and rewritten
// if that batch is retried); anyone else reads it only after
// EventSink::WaitCommitted(seq of the write) returned OK, whose lock orders
// the reads after the writes. A waiter that timed out must not read it.
struct PluginWrite {
  explicit PluginWrite(PluginCommand c) : command(std::move(c)) {}

  const PluginCommand command;
  PluginOutcome outcome;
};

}  // namespace roseyd::store
