#pragma once

#include <cstddef>
#include <optional>

#include "storage_api/error_reply.h"
#include "storage_api/json_request.h"
#include "storage_api/row_schema.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// Private to storage_api: the `filters` and `sort` of
// rosey.db.row.<plugin>.search (operator_parser.py:207-460, :766-860)
// compiled to a WHERE condition and an ORDER BY list.

// Bounds on hostile filters, checked before any recursion or allocation
// grows with them: a filter nested 10,000 deep or an $in of 100,000 values
// is a VALIDATION_ERROR in microseconds.
inline constexpr size_t kMaxFilterDepth = 32;        // nested $and/$or/$not
inline constexpr size_t kMaxFilterConditions = 256;  // field conditions in all
inline constexpr size_t kMaxFilterValues = 1000;     // bound values in all

// What a compiled filter reports besides its SQL.
struct FilterOutcome {
  // A value SQLite cannot bind (a list compared with =, an integer beyond
  // int64): the original failed only when executing, after validating sort
  // and offset, with DATABASE_ERROR "Search operation failed".
  bool unbindable = false;
};

// Compiles `filters` (an object) and appends the condition to *sql (no
// WHERE keyword); "1 = 1" when it has no conditions. Every column name is
// checked against the schema and quoted; every value is a parameter.
// Errors in the original's order and texts (VALIDATION_ERROR), except those
// it raised outside ValueError/TypeError (a condition that is not an
// object, a range operator on null or a bool): DATABASE_ERROR "Search
// operation failed". roseyd semantics: the conditions of each $and/$or
// element are ANDed, and keys beside a logical key are ANDed with it (the
// original flattened the first and dropped the second).
std::optional<ErrorReply> CompileFilter(const RowSchema& schema, Element filters, SqlBuilder* sql,
                                        FilterOutcome* outcome);

// Compiles a truthy `sort` (an object or a list of them) and appends the
// ORDER BY items to *sql, each "<column> ASC|DESC", with ", " between. The
// caller adds "id" as the last tie-breaker.
std::optional<ErrorReply> CompileSort(const RowSchema& schema, Element sort, SqlBuilder* sql);

// One ORDER BY item with SQLite's ordering in every dialect: NULLs first
// ascending and last descending, text in byte order.
void AppendOrderItem(const RowSchema& schema, std::string_view column, bool descending,
                     SqlBuilder* sql);

}  // namespace roseyd::storage_api
