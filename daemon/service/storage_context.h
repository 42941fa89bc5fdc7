#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "service/request_family.h"
#include "service/storage_metrics.h"
#include "storage_api/error_reply.h"
#include "storage_api/migration_files.h"
#include "storage_api/row_commands.h"
#include "storage_api/schema_catalog.h"
#include "storage_api/sql.h"
#include "store/plugin_write.h"

namespace roseyd::store {
class Reader;
}

namespace roseyd::service {

// Payloads the plugin storage routes accept: NATS's default max_payload. A
// kv.set value may be 65,536 bytes once written as Python's json.dumps, so
// service.max_payload_bytes (64 KiB) would refuse some the original stored.
inline constexpr int64_t kStoragePayloadBytes = int64_t{1} << 20;
// How long a migration's reply may wait for its commit (a large data
// migration takes a while); kv and row writes use service.request_timeout.
inline constexpr std::chrono::milliseconds kMigrationTimeout{30000};

// A read that failed on its statement (a table a migration dropped), not on
// the database (busy, I/O): answered with the family's error, not logged as
// a store failure.
inline bool IsStatementError(const Status& s) { return s.code() == Status::Code::kInvalidArgument; }

// What the plugin storage families (KvRequests, RowRequests,
// MigrateRequests) share: the registered row schemas (the original's
// in-memory cache, loaded at start), service.storage_plugins,
// service.plugins_dir, the store's SQL dialect and the metrics, plus the
// replies every family builds alike.
//
// Thread: thread-safe (the catalog locks; the rest is constant after
// construction). *metrics must outlive it.
class StorageContext {
 public:
  StorageContext(const ServiceConfig& config, storage_api::Dialect dialect,
                 StorageMetrics* metrics);

  StorageContext(const StorageContext&) = delete;
  StorageContext& operator=(const StorageContext&) = delete;

  // Loads the registered schemas through `reader` (at start, before any
  // request). Returns the reader's failure.
  Status LoadSchemas(store::Reader* reader);

  // A roseyd that does not write learns of schemas registered through the
  // one that does only from the database. With `on`, a row read whose table
  // the catalog lacks reloads the catalog (ReloadAfterMiss). REQUIRES: before
  // any request.
  void SetReloadOnMiss(bool on) { reload_on_miss_ = on; }
  // True if reloading on a miss is on, `error` says the table is not
  // registered, and the catalog was reloaded through `reader` (at most every
  // kCatalogReloadInterval, whoever asks): decode the request again.
  bool ReloadAfterMiss(const storage_api::ErrorReply& error, store::Reader* reader);
  static constexpr std::chrono::milliseconds kCatalogReloadInterval{100};

  // VALIDATION_ERROR when service.storage_plugins is set and lacks `plugin`.
  std::optional<storage_api::ErrorReply> CheckPlugin(std::string_view plugin) const;

  // What the row decoders need, with `now` as datetime.now() would give it.
  storage_api::RowContext RowContextAt(std::chrono::system_clock::time_point now) const;

  // The plugin's migration files; none when service.plugins_dir is empty.
  storage_api::MigrationDiscovery Migrations(std::string_view plugin) const;

  // Counts stored non-finite floats a read of `family` answered as null.
  void NonFiniteAnswered(std::string_view family, size_t count) {
    metrics_->NonFiniteAnswered(family, count);
  }

  // The operation's metrics, created on first use.
  const StorageMetrics::Operation& Operation(std::string_view family, std::string_view operation) {
    return metrics_->For(family, operation);
  }

  // A reply to `request`, counted on `op`: a success, or the error reply
  // of `error` (store_status: a read the database failed).
  static RequestOutcome Success(const StorageMetrics::Operation& op, const Request& request,
                                std::string reply);
  static RequestOutcome Failure(const StorageMetrics::Operation& op, const Request& request,
                                const storage_api::ErrorReply& error,
                                Status store_status = Status::OK());
  // A reply rendered elsewhere (a migration's), failing with `error` if set.
  static RequestOutcome Rendered(const StorageMetrics::Operation& op, const Request& request,
                                 std::string reply, std::optional<storage_api::ErrorCode> error);

  // The committed plugin write a write route's Handle finds in `request`;
  // nullptr if there is none.
  static const store::PluginWrite* WriteOf(const Request& request);

  // An Admission that submits `command` as a PluginWrite.
  static Admission Submit(store::PluginCommand command);

  // The reply for a request refused before its family saw it:
  // VALIDATION_ERROR for one too large, INTERNAL_ERROR otherwise.
  static std::string RefusalReply(Refusal refusal);

  storage_api::SchemaCatalog& catalog() { return catalog_; }
  const storage_api::SchemaCatalog& catalog() const { return catalog_; }
  storage_api::Dialect dialect() const { return dialect_; }

 private:
  const std::vector<std::string> allowed_;  // empty: any plugin
  const std::string plugins_dir_;
  const storage_api::Dialect dialect_;
  StorageMetrics* const metrics_;
  storage_api::SchemaCatalog catalog_;
  bool reload_on_miss_ = false;
  std::atomic<int64_t> last_reload_ms_{0};  // steady clock; 0: never
};

}  // namespace roseyd::service
