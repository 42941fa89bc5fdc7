#pragma once

#include <optional>

#include "storage_api/error_reply.h"
#include "storage_api/json_request.h"
#include "storage_api/row_commands.h"
#include "storage_api/row_schema.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// Private to storage_api: the `operations` of rosey.db.row.<plugin>.update
// (operator_parser.py:541-646) compiled to SET assignments.
//
// Per field, in request order: unknown field, a spec that is not an object
// of exactly one operator, an unknown operator, type checks of
// $inc/$dec/$mul (numeric field and value) and $max/$min (numeric or
// datetime field); all VALIDATION_ERROR with the parser's texts (roseyd: the
// original let some escape as DATABASE_ERROR). roseyd semantics: $set, $max
// and $min values are coerced as data-mode values are, and $max/$min are
// PostgreSQL's GREATEST/LEAST (a NULL column takes the value) written as
// CASE. Assignments to updated_at are checked and dropped: the caller sets
// it to now. A value SQLite could not bind sets *unbindable.
//
// Appends `"col" = expr` items separated by ", " to *sql; *assigned counts
// them; each $inc, $dec and $mul is appended to *arithmetic as well, for
// CheckUpdateResults. REQUIRES: `operations` is an object.
std::optional<ErrorReply> CompileUpdateOperations(const RowSchema& schema, Element operations,
                                                  SqlBuilder* sql, size_t* assigned,
                                                  std::vector<ArithmeticUpdate>* arithmetic,
                                                  bool* unbindable);

}  // namespace roseyd::storage_api
