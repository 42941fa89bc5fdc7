#pragma once

#include <string_view>

#include "base/status.h"
#include "store/plugin_write.h"
#include "store/sql_session.h"

namespace roseyd::store {

// rosey.db.migrate.<plugin>.apply and .rollback, run on the writer's open
// batch transaction (ROSEY_STORAGE_API.md §3 with roseyd's fixes):
//  - each migration under a savepoint of its own, so one that fails leaves
//    nothing behind (the original kept its partial DDL) except, for apply,
//    its tracking row marked 'failed' with the error, upserted so that the
//    version can be applied later;
//  - a dry run under one more savepoint, rolled back at the end, so that the
//    pending migrations run in sequence and nothing of them is kept;
//  - a rollback runs the DOWN sections newest first and marks each version's
//    row 'rolled_back'; one that fails is undone and its row stays
//    'applied', which is what the database then holds;
//  - a statement that controls transactions (BEGIN, COMMIT, SAVEPOINT, ...,
//    VACUUM, ATTACH) fails its migration: roseyd owns the transaction;
//  - a section that names a service table or another plugin's registered
//    table (storage_api::CheckMigrationScope, against the registry as it is
//    when the request runs) runs nothing: apply answers VALIDATION_FAILED
//    with "scope" errors, rollback ROLLBACK_FAILED at the first such step.
// The writer thread is the only one running them, so two never overlap and
// the original's 30 s lock (LOCK_TIMEOUT) cannot be met.
//
// Each fills outcome->reply with the whole reply, success or failure, and
// returns OK; any other Status means the database failed (the batch is
// retried) or, as InvalidArgument, that reading the tracking table failed.
Status RunMigrateApply(SqlSession* session, const MigrateApply& command, PluginOutcome* outcome);
Status RunMigrateRollback(SqlSession* session, const MigrateRollback& command,
                          PluginOutcome* outcome);

// Whether `statement` (one of SplitStatements' results) begins with a
// keyword that would end or nest roseyd's transaction.
bool ControlsTransactions(std::string_view statement);

}  // namespace roseyd::store
