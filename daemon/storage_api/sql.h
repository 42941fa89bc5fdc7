#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace roseyd::storage_api {

// The SQL the storage API compiles to, for either store. The PostgreSQL
// rendering keeps SQLite's (the original's) meaning: $N placeholders, ILIKE
// for SQLite's case-folding LIKE, explicit NULLS FIRST/LAST and COLLATE "C"
// for SQLite's defaults.
enum class Dialect { kSqlite, kPostgres };

// A bound value: NULL, INTEGER, REAL or TEXT, as SQLite stores them.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

// One result row: its cells in the statement's column order.
using RowCells = std::vector<SqlValue>;

// One statement and its parameters, in placeholder order. Every identifier
// in `sql` is quoted and every value is a parameter, so running it binds
// `params` and steps, nothing else.
struct Statement {
  std::string sql;
  std::vector<SqlValue> params;

  bool operator==(const Statement&) const = default;
};

// "name" with embedded quotes doubled: a valid SQL identifier for any text.
std::string QuoteIdentifier(std::string_view name);

// Builds a Statement piece by piece.
//
// Thread: confined to the caller.
class SqlBuilder {
 public:
  explicit SqlBuilder(Dialect dialect) : dialect_(dialect) {}

  // Trusted SQL text: keywords and operators chosen by the compiler, never
  // request text.
  SqlBuilder& Sql(std::string_view text);
  // A quoted identifier.
  SqlBuilder& Id(std::string_view name);
  // A placeholder bound to `value`.
  SqlBuilder& Param(SqlValue value);

  Dialect dialect() const { return dialect_; }
  size_t size() const { return statement_.sql.size(); }
  Statement Build() && { return std::move(statement_); }

 private:
  Dialect dialect_;
  Statement statement_;
};

}  // namespace roseyd::storage_api
