#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage_api/error_reply.h"
#include "storage_api/row_commands.h"
#include "storage_api/row_schema.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// rosey.db.row.<plugin>.search (ROSEY_STORAGE_API.md §2.7) and the row
// rendering it shares with select.

inline constexpr int64_t kDefaultSearchLimit = 100;
inline constexpr int64_t kMaxSearchLimit = 1000;  // silently applied, as the original

// SELECT <columns> FROM "<plugin>_<table>" [WHERE <filters>] ORDER BY
// <sort>, "id" LIMIT limit+1 OFFSET offset.
struct RowSearch {
  std::string plugin;
  std::string table;
  std::shared_ptr<const RowSchema> schema;
  int64_t limit = kDefaultSearchLimit;  // 1..1000
  Statement select;
};

// Checks in the original's order: payload, table, registration, limit
// ("Limit must be at least 1"; non-integers as Python's comparison error),
// filters, sort, offset; see row_filter.h for the filter and sort rules.
std::variant<RowSearch, ErrorReply> DecodeRowSearch(std::string_view plugin,
                                                    std::string_view payload,
                                                    const RowContext& context);

// The rows below are RowCells (sql.h) in RowSchema::ColumnNames() order, as
// the database returned them (a BLOB cell is not a value the API writes;
// report it as a database failure before calling these).

// {"success": true, "exists": true, "data": {<columns>}} or exists false.
// Cells as the original's result types render them: booleans as JSON
// bools, datetime text through fromisoformat() to isoformat(), floats as
// repr. A datetime cell that does not parse gives DATABASE_ERROR "Select
// operation failed". roseyd: a non-finite float cell (a file the original
// wrote may hold infinity; PostgreSQL may hold NaN) is null, where the
// original wrote a bare Infinity or NaN; *non_finite (when non-null) gets
// how many.
std::variant<std::string, ErrorReply> RenderRowSelectReply(const RowSchema& schema,
                                                           const std::optional<RowCells>& row,
                                                           size_t* non_finite = nullptr);

// {"success": true, "rows": [...], "count": n, "truncated": bool} from the
// rows the search statement returned (up to limit+1); cells as select's.
std::variant<std::string, ErrorReply> RenderRowSearchReply(const RowSearch& command,
                                                           const std::vector<RowCells>& rows,
                                                           size_t* non_finite = nullptr);

}  // namespace roseyd::storage_api
