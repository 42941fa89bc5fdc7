#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage_api/error_reply.h"
#include "storage_api/row_schema.h"
#include "storage_api/schema_catalog.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// rosey.db.row.<plugin>.{insert,select,update,delete} (ROSEY_STORAGE_API.md
// §2.3-2.6): decoded into ready statements on the table "<plugin>_<table>"
// and rendered replies (results at the top level, no "data" envelope except
// select's row).

// What the row decoders need besides the payload.
struct RowContext {
  const SchemaCatalog* schemas = nullptr;  // must outlive the call
  // datetime.now() as stored (StoredLocalTime): created_at, updated_at.
  std::string now;
  Dialect dialect = Dialect::kSqlite;
};

// insert: one INSERT ... RETURNING "id" per row, run in one transaction
// (roseyd: each row with its own keys; the original compiled a bulk insert
// from row 0's keys). `bulk` is whether `data` was an array.
struct RowInsert {
  std::string plugin;
  std::string table;
  bool bulk = false;
  std::vector<Statement> inserts;
};

// select: the row's columns in table order, WHERE "id" = <id as sent>.
struct RowSelect {
  std::string plugin;
  std::string table;
  std::shared_ptr<const RowSchema> schema;
  Statement select;
};

// One $inc, $dec or $mul of an update: "column" = "column" <op> operand.
struct ArithmeticUpdate {
  std::string op;  // "$inc", "$dec", "$mul"
  std::string column;
  FieldType type = FieldType::kInteger;  // integer or float
  SqlValue operand;                      // int64_t or double

  bool operator==(const ArithmeticUpdate&) const = default;
};

// update: `update`, whose match count says whether the row exists (none:
// reply exists false). The reply echoes the id exactly as sent.
// roseyd: with `arithmetic`, the writer first runs `exists` (SELECT "id" and
// the arithmetic columns, in that order) and CheckUpdateResults on its row,
// so that an update whose result no JSON reply could carry changes nothing.
struct RowUpdate {
  std::string plugin;
  std::string table;
  std::string id_json;
  Statement exists;
  Statement update;
  std::vector<ArithmeticUpdate> arithmetic;
};

// roseyd: VALIDATION_ERROR when an arithmetic update on `current` (the row
// `exists` returned) would take an integer field beyond the 64-bit range
// (where SQLite would silently make it a float and PostgreSQL would fail),
// or make a float infinite or NaN: "Operator $mul on field 'f' would make it
// infinite". Computed as the database computes it: integer with integer
// exactly, anything with a float in double precision, NULL stays NULL.
std::optional<ErrorReply> CheckUpdateResults(const RowUpdate& command, const RowCells& current);

// delete: its change count is `deleted`.
struct RowDelete {
  std::string plugin;
  std::string table;
  Statement remove;
};

// Each decoder checks in the original's order (payload, table, id / data,
// registration, then the request's values) and returns the exact error
// reply; `plugin` is the subject's fourth token. Failures the original only
// met inside SQLite (an id or value that cannot be bound, a row that is not
// an object) are DATABASE_ERROR "<Verb> operation failed", reported after
// every validation as there.
std::variant<RowInsert, ErrorReply> DecodeRowInsert(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context);
std::variant<RowSelect, ErrorReply> DecodeRowSelect(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context);
std::variant<RowUpdate, ErrorReply> DecodeRowUpdate(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context);
std::variant<RowDelete, ErrorReply> DecodeRowDelete(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context);

// {"success": true, "id": n, "created": true} for a single row,
// {"success": true, "ids": [...], "created": <count>} for an array.
std::string RenderRowInsertReply(const RowInsert& command, const std::vector<int64_t>& ids);
// {"success": true, "id": <as sent>, "updated": true}, or exists false.
std::string RenderRowUpdateReply(const RowUpdate& command, bool existed);
// {"success": true, "deleted": <bool>}
std::string RenderRowDeleteReply(bool deleted);

}  // namespace roseyd::storage_api
