#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/event.h"
#include "store/postgres/pg_chat_lines.h"
#include "store/postgres/pg_claim.h"
#include "store/postgres/pg_connection.h"
#include "store/postgres/pg_event_statements.h"
#include "store/postgres/pg_maintenance.h"
#include "store/postgres/pg_sql_session.h"
#include "store/store.h"

namespace roseyd::store {

// The StoreWriter on PostgreSQL: one connection (the writer session, which
// will also hold the leader's advisory lock), a batch in one transaction
// sent as one pipeline (one round trip and one commit), its chat lines in
// bulk (PgChatLines), every other event through its own prepared statements
// (PgEventStatements), and in the same transaction the stream position and
// a commit marker in roseyd_meta.
//
// An error in an event's own data (a CHECK, a VARCHAR length, a value a
// column's type refuses, a NUL in a text) rejects only that event: in
// PostgreSQL it aborts the whole transaction, so the batch is sent again
// without it; if the bulk statements fail, event by event; after a few
// such restarts the batch goes event by event under savepoints,
// so that a batch full of bad events costs one round trip each, not one
// batch each. A plugin-storage write (PluginWrite) leaves its outcome in
// it before the COMMIT: a kv.set is one more pipelined statement (one that
// fails is sent again without, its failure the outcome); a batch holding
// any other goes event by event from the start, each such write outside
// the pipeline through a PgSqlSession (store/plugin_writes.h, under its own
// savepoint).
//
// A lost connection (server restart, network) fails the batch; the next
// ApplyBatch reconnects, prepares again and, if the lost COMMIT had in fact
// been carried out (its marker is in roseyd_meta), reports the batch
// committed instead of writing it twice. The loss and the recovery are
// logged with the redacted URI.
//
// Several roseyd may open writers on one database; the one that writes
// holds the claim (PgClaim: an advisory lock on the writer's own session, a
// lease it renews with every round trip and Heartbeat, fencing by the
// stream position). A lost connection suspends the claim (Claim() no
// longer held, at once); after reconnecting the writer takes it again, and
// if another writer took the lock or wrote in between, the claim is lost
// for good and every write fails: that writer is fenced off.
//
// Thread: confined to the writer thread (see StoreWriter); Claim from any.
class PostgresWriter : public StoreWriter {
 public:
  // Connects to `url`, creates or checks the schema (CreatePgSchema) and
  // prepares the statements. `stream` names the JetStream stream whose
  // position the database keeps. Throws StartupError naming the redacted
  // URI and the reason.
  PostgresWriter(const std::string& url, const std::string& stream);

  PostgresWriter(const PostgresWriter&) = delete;
  PostgresWriter& operator=(const PostgresWriter&) = delete;

  Status ApplyBatch(std::span<Event> batch, std::vector<RefusedEvent>* rejected) override;
  uint64_t StreamPosition() const override { return stream_position_; }
  Status CloseSessions(int64_t now) override;
  Status PruneRecentChat(int64_t cutoff) override;
  Status Maintain(int64_t now) override;
  Status PurgeExpiredKeys(int64_t now, int64_t* purged) override;
  std::optional<int64_t> LastMaintenance() override;
  bool TryClaim() override;
  ClaimView Claim() const override { return claim_.View(); }
  std::chrono::milliseconds HeartbeatInterval() const override {
    return HungHolderWatch::kHeartbeat;
  }
  Status Heartbeat() override;
  bool SuccessorWaiting() override;
  void Interrupt() override { conn_.Interrupt(); }

  // Test hooks. SetBulk: the bulk path for chat runs on or off, to compare
  // the two. LoseConnection: the next attempt drops the connection just
  // before sending (kBeforeSend) or just after its COMMIT succeeded
  // (kAfterCommit), as a network failure could, leaving its fate unknown.
  enum class TestLoss { kNone, kBeforeSend, kAfterCommit };
  void TEST_SetBulk(bool bulk) { bulk_enabled_ = bulk; }
  void TEST_LoseConnection(TestLoss at) { test_loss_ = at; }

 private:
  // Where an attempt failed on an event's data: the event, and whether it
  // was queued as part of a bulk run.
  struct DataFailure {
    size_t index = 0;
    bool in_bulk = false;
  };
  // What a queued command belongs to, to map results back to events.
  struct Owner {
    size_t index;  // kNoEvent for BEGIN, the meta update and COMMIT
    bool in_bulk;
  };
  static constexpr size_t kNoEvent = static_cast<size_t>(-1);

  // Reconnects and prepares after a loss; logs the loss once and the
  // recovery. OK if connected.
  Status EnsureConnected();
  Status PrepareStatements();
  // After a connection loss that left the last COMMIT's fate unknown:
  // *committed (if not null) tells whether it was carried out.
  Status ResolveInDoubt(bool* committed);
  // A connected writer that holds the claim, or why not: claims it first if
  // never tried, reconnects after a loss, learns the fate of a batch in
  // doubt (*in_doubt_committed, if not null) and takes the claim again.
  Status Ready(bool* in_doubt_committed);
  // One attempt at the whole batch in one pipeline. OK: committed. A data
  // failure: *failure says where; the transaction was rolled back. An event
  // refused before anything was sent is added to *rejected and skipped.
  Status AttemptPipelined(std::span<Event> batch, bool bulk, std::vector<RefusedEvent>* rejected,
                          std::optional<DataFailure>* failure);
  // The batch event by event, each under a savepoint; rejects as it goes.
  Status AttemptCarefully(std::span<Event> batch, std::vector<RefusedEvent>* rejected);
  // Queues the stream position (if any) and the commit marker.
  Status QueueMeta(std::span<const Event> batch);
  // Reads the results of commands_[from..) and the sync point after them:
  // the first failure, and its owner in *failed_owner. If the connection
  // broke before any failure, *fate_unknown is set: what was sent may have
  // committed.
  Status ReadResults(size_t from, std::optional<Owner>* failed_owner, bool* fate_unknown);
  // Sends the commands queued since commands_[from], then reads them.
  Status SyncAndRead(size_t from, std::optional<Owner>* failed_owner, bool* fate_unknown);
  // Ends a failed attempt: leaves pipeline mode and rolls back; closes the
  // connection if that fails, so that the next attempt starts afresh.
  void Abandon();
  // Records that the connection broke; logs once per outage.
  void NoteLoss(const Status& s);
  // Applies a plugin write inside AttemptCarefully's transaction, leaving
  // pipeline mode for it (the session's calls are synchronous).
  Status ApplyPluginWriteBetween(PluginWrite* write, int64_t now);
  // Queues batch[index]'s own commands; an event refused before anything
  // was sent is rejected and skipped here.
  Status QueueEvent(std::span<Event> batch, size_t index, std::vector<RefusedEvent>* rejected);
  // Runs the housekeeping `work` on a connected writer; notes a loss.
  Status Housekeep(const std::function<Status()>& work);

  // Constant after construction.
  const std::string stream_key_;  // roseyd_meta key of the stream's position
  const std::string marker_prefix_;  // this writer's, random

  PgConnection conn_;
  PgEventStatements events_;
  PgChatLines chat_lines_;
  PgMaintenance maintenance_;
  PgSqlSession session_;  // plugin writes and the key purge, on conn_
  PgParams params_;
  uint64_t stream_position_ = 0;
  uint64_t pending_position_ = 0;  // of the attempt in flight; 0: none
  uint64_t attempts_ = 0;  // numbers the commit markers
  std::string marker_;     // of the current attempt
  std::optional<std::string> in_doubt_marker_;
  std::optional<std::chrono::steady_clock::time_point> lost_since_;
  PgClaim claim_;  // on conn_
  bool bulk_enabled_ = true;
  TestLoss test_loss_ = TestLoss::kNone;
  std::vector<char> skip_;  // parallel to the batch in ApplyBatch: rejected
  std::vector<Owner> commands_;
  std::string position_text_;
};

}  // namespace roseyd::store
