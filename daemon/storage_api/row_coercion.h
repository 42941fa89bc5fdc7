#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "storage_api/error_reply.h"
#include "storage_api/json_request.h"
#include "storage_api/row_schema.h"
#include "storage_api/sql.h"

namespace roseyd::storage_api {

// Private to storage_api: the original's _validate_and_coerce_row
// (database.py:1604-1643) on parsed JSON.

// A value that could not be coerced. `database` marks the failures the
// original only met when SQLite bound the value (an integer beyond int64),
// which it answered with DATABASE_ERROR; the rest are ValueErrors whose
// text is `detail` ("invalid literal for int() with base 10: '4.5'").
struct CoercionFailure {
  bool database = false;
  std::string detail;
};

// Converts a non-null JSON value to what a column of `type` stores, as
// Python would: str() for string/text (True -> "True", 1e20 -> "1e+20",
// dicts as repr), int() with truncation of floats, float() (NaN stored as
// NULL; roseyd: an infinite one, "inf" or "1e400", is a failure), booleans as 1/0 (strings "true/1/yes/on" in any case are true,
// other values by truthiness), datetimes through fromisoformat() with 'Z'
// read as +00:00, stored as "YYYY-MM-DD HH:MM:SS.ffffff".
std::variant<SqlValue, CoercionFailure> CoerceValue(FieldType type, Element value);

// A row's columns and values in request order.
using RowValues = std::vector<std::pair<std::string, SqlValue>>;

// Validates one row object against the schema and coerces it: required
// fields present (unless `is_update`), then per key in request order
// "Unknown field: <k>", "Field '<k>' cannot be null", "Field '<k>': Cannot
// convert value to <type>: <detail>" (VALIDATION_ERROR). A value SQLite
// could not bind sets *unbindable and is kept as NULL: the original failed
// on it only when executing, after every validation, so the caller answers
// DATABASE_ERROR once nothing else is wrong.
// REQUIRES: `row` is an object.
std::optional<ErrorReply> CoerceRow(const RowSchema& schema, Element row, bool is_update,
                                    RowValues* out, bool* unbindable);

}  // namespace roseyd::storage_api
