#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage_api/sql.h"
#include "store/event.h"
#include "store/reader.h"

namespace roseyd::store {

// An event of a batch that the store refused for its own data.
struct RefusedEvent {
  size_t index = 0;  // into the batch
  Status why;
};

// The write side of a store: applies batches of events in transactions and
// keeps the durable stream position with the rows. The EventWriter drives it
// from its one thread; SQLite is the first implementation.
//
// Thread: confined to the writer thread (it may be opened on another thread
// and handed over before the first call).
// What a writer knows of its claim on a shared store (StoreWriter::Claim).
// held_until is conservative: the lease the writer last proved, so a view
// taken before a pause (a process stopped, a thread starved) can only end
// too early, never too late.
struct ClaimView {
  bool lost = false;  // for good: another roseyd may have written since
  std::chrono::steady_clock::time_point held_until = std::chrono::steady_clock::time_point::max();

  bool HeldAt(std::chrono::steady_clock::time_point now) const {
    return !lost && now < held_until;
  }
};

class StoreWriter {
 public:
  virtual ~StoreWriter() = default;

  // Writes `batch` in one transaction, and records its highest
  // Event::stream_seq (when non-zero) as the stream position in the same
  // transaction. An event whose own data can never be written is appended to
  // *rejected with the reason, and the others commit. On any other failure
  // (I/O, disk full, busy) nothing is written and the result is non-OK: the
  // caller retries the whole batch, passing *rejected back unchanged, and
  // events listed there are skipped, not tried or reported again.
  // A PluginWrite event (store/plugin_write.h) is applied all-or-nothing on
  // its own and its outcome left in it before the commit (shared
  // implementation: store/plugin_writes.h); one that fails is not a
  // rejection unless it ended the transaction.
  virtual Status ApplyBatch(std::span<Event> batch, std::vector<RefusedEvent>* rejected) = 0;

  // The last stream position the store holds: read at open, then advanced
  // by every ApplyBatch that commits. 0 if no stream event was ever written.
  virtual uint64_t StreamPosition() const = 0;

  // At stop, after the last batch: ends every open user session at `now`
  // (Unix seconds) as user_left would, in its own transaction.
  virtual Status CloseSessions(int64_t now) = 0;

  // Deletes recent chat lines older than `cutoff` (Unix seconds).
  virtual Status PruneRecentChat(int64_t cutoff) = 0;

  // Deletes the plugin keys that expired before `now` (Unix seconds), in a
  // transaction of its own; *purged gets how many.
  virtual Status PurgeExpiredKeys(int64_t now, int64_t* purged) = 0;

  // Periodic maintenance at `now` (Unix seconds): deletes expired history,
  // sent outbound messages and revoked tokens, records `now` as its last
  // run, and refreshes query statistics.
  virtual Status Maintain(int64_t now) = 0;
  // When Maintain last succeeded on this store (Unix seconds), across
  // restarts; nullopt if never or unknown.
  virtual std::optional<int64_t> LastMaintenance() = 0;

  // The one call that may come from another thread, while the writer thread
  // is inside a call above: makes that call fail soon (a wait for a lock
  // another program holds, a long statement), and every later wait for a
  // lock fail at once, because a stop cannot wait any longer. A store that
  // cannot be interrupted does nothing; its calls then end by their own
  // timeouts.
  virtual void Interrupt() {}

  // Several roseyd may share one store (Store::Shared); only the writer that
  // holds the store's claim writes, and every call above fails on one that
  // does not. TryClaim tries to take the claim: true if this writer holds it.
  // Claim (callable from any thread) says how it stands: held until a time
  // (the writer must keep proving that it is alive, by its batches or by
  // Heartbeat, or another roseyd may end its session and take over), or
  // lost for good when the session that held it ended and another writer
  // may have written since; the owner must then open a new writer to claim
  // again. A store that one process has to itself always holds it.
  virtual bool TryClaim() { return true; }
  virtual ClaimView Claim() const { return ClaimView{}; }
  bool HoldsClaim() const { return Claim().HeldAt(std::chrono::steady_clock::now()); }
  // How often an idle writer calls Heartbeat (zero: never), which proves the
  // claim alive, and after a lost connection reconnects and takes it again.
  virtual std::chrono::milliseconds HeartbeatInterval() const {
    return std::chrono::milliseconds{0};
  }
  virtual Status Heartbeat() { return Status::OK(); }
  // At stop: whether another roseyd's writer is connected, waiting to take
  // the claim over. The bot's users are still there for it, so their open
  // sessions are its to keep (CloseSessions is skipped). False when
  // unknown.
  virtual bool SuccessorWaiting() { return false; }
};

// A place rows are kept: opens its write side and its read sides.
// OpenSqliteStore (store/sqlite/sqlite_store.h) makes the SQLite one.
//
// Thread: thread-safe. What it opens does not borrow it and may outlive it.
class Store {
 public:
  virtual ~Store() = default;

  // The write side. Creates the schema or upgrades an older one in place.
  // At most one writer at a time. Throws StartupError.
  virtual std::unique_ptr<StoreWriter> OpenWriter() = 0;

  // A read side, one per request worker. Throws StartupError.
  // REQUIRES: the schema exists (a writer was opened once).
  virtual std::unique_ptr<Reader> OpenReader() = 0;

  // Names the store for logs, e.g. "sqlite:/var/lib/roseyd/rosey.db".
  virtual std::string Describe() const = 0;

  // The SQL dialect of its connections: plugin-storage requests are
  // compiled for it before they reach the writer or a reader.
  virtual storage_api::Dialect SqlDialect() const = 0;
  // True if several roseyd may open writers on it at once (PostgreSQL), so
  // that a writer must claim the store (StoreWriter::TryClaim) first.
  virtual bool Shared() const { return false; }
};

}  // namespace roseyd::store
