#include "store/plugin_writes.h"

#include <utility>
#include <variant>

#include "store/migration_runner.h"
#include "store/plugin_reads.h"

namespace roseyd::store {

namespace {

constexpr const char* kWriteSavepoint = "roseyd_plugin_write";

// Runs the write kinds' statements. Each returns the failure of the first
// statement that failed, and fills *outcome as it goes.
class Applier {
 public:
  Applier(SqlSession* session, int64_t now, PluginOutcome* outcome)
      : session_(session), now_(now), outcome_(outcome) {}

  Status operator()(const storage_api::KvSet& command) {
    return session_->Run(storage_api::KvSetStatement(command, now_, session_->dialect()), nullptr);
  }

  Status operator()(const KvDelete& command) {
    return session_->Run(storage_api::KvDeleteStatement(command.key, session_->dialect()), nullptr,
                         &outcome_->changes);
  }

  // Refused if the table is not the plugin's (a service table, or a name
  // the registry holds for another pair: the catalog refused those on
  // arrival, this sees what another roseyd registered). Then the table only
  // if none of that name exists (the original adopted an existing one, e.g.
  // made by a migration); the registry row only if the pair has none (the
  // first schema wins).
  Status operator()(const storage_api::SchemaRegister& command) {
    std::vector<storage_api::TablePair> registry;
    if (Status s = ReadRegistryPairs(session_, &registry); !s.ok()) return s;
    const storage_api::TablePair pair{command.plugin, command.table};
    if (const auto clash = storage_api::FindTableClash(pair, registry)) {
      outcome_->refusal = storage_api::ErrorReply{storage_api::ErrorCode::kValidationError,
                                                  storage_api::RegisterClashMessage(pair, *clash)};
      return Status::OK();
    }
    const std::string table = storage_api::FullTableName(command.plugin, command.table);
    std::vector<SqlRow> found;
    Status s =
        session_->Run(storage_api::TableExistsStatement(table, session_->dialect()), &found);
    if (s.ok() && found.empty()) {
      s = session_->RunOnce(storage_api::CreateTableSql(table, command.schema, session_->dialect()));
    }
    if (!s.ok()) return s;
    return session_->Run(
        storage_api::RegistryInsertStatement(command, now_, session_->dialect()), nullptr);
  }

  Status operator()(const storage_api::RowInsert& command) {
    std::vector<SqlRow> returned;
    for (const storage_api::Statement& insert : command.inserts) {
      returned.clear();
      if (Status s = session_->Run(insert, &returned); !s.ok()) return s;
      const auto* id = returned.empty() || returned[0].empty()
                           ? nullptr
                           : std::get_if<int64_t>(&returned[0][0]);
      if (id == nullptr) return Status::InvalidArgument("INSERT returned no id");
      outcome_->ids.push_back(*id);
    }
    return Status::OK();
  }

  // The UPDATE's match count is the existence check: the original's SELECT
  // before it would see the same row in the same transaction. roseyd: an
  // arithmetic update reads the row first, and one whose result no JSON
  // reply could carry (an integer past 64 bits, an infinite or NaN float)
  // is refused before the UPDATE runs.
  Status operator()(const storage_api::RowUpdate& command) {
    if (!command.arithmetic.empty()) {
      std::vector<SqlRow> current;
      if (Status s = session_->Run(command.exists, &current); !s.ok()) return s;
      if (current.empty()) return Status::OK();  // no row: exists false
      if (auto refusal = storage_api::CheckUpdateResults(command, current[0])) {
        outcome_->refusal = std::move(refusal);
        return Status::OK();
      }
    }
    return session_->Run(command.update, nullptr, &outcome_->changes);
  }

  Status operator()(const storage_api::RowDelete& command) {
    return session_->Run(command.remove, nullptr, &outcome_->changes);
  }

  Status operator()(const MigrateApply& command) {
    return RunMigrateApply(session_, command, outcome_);
  }

  Status operator()(const MigrateRollback& command) {
    return RunMigrateRollback(session_, command, outcome_);
  }

 private:
  SqlSession* const session_;
  const int64_t now_;
  PluginOutcome* const outcome_;
};

bool IsMigration(const PluginCommand& command) {
  return std::holds_alternative<MigrateApply>(command) ||
         std::holds_alternative<MigrateRollback>(command);
}

}  // namespace

Status ApplyPluginWrite(SqlSession* session, PluginWrite* write, int64_t now) {
  write->outcome = PluginOutcome{};
  Applier applier(session, now, &write->outcome);
  // A migration keeps its own savepoints: its failure is an outcome (a
  // MIGRATION_FAILED reply and a 'failed' tracking row), not a rollback of
  // everything it did.
  Status s = IsMigration(write->command)
                 ? std::visit(applier, write->command)
                 : InSavepoint(session, kWriteSavepoint,
                               [&] { return std::visit(applier, write->command); });
  if (s.ok() || s.code() != Status::Code::kInvalidArgument) return s;
  write->outcome.status = s;
  if (session->InTransaction()) return Status::OK();
  return Status::InvalidArgument("a plugin write ended the transaction: " + s.message());
}

Status PurgeExpiredKeys(SqlSession* session, int64_t now, int64_t* purged) {
  *purged = 0;
  return session->Run(storage_api::KvPurgeStatement(now, session->dialect()), nullptr, purged);
}

}  // namespace roseyd::store
