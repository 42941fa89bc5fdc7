#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage_api/migration_files.h"
#include "storage_api/table_scope.h"

namespace roseyd::storage_api {

class PyJsonWriter;

// Splits a migration section into the statements to run one by one
// (migration_executor.py:30-88): lines whose stripped text starts with
// "--" are dropped; a ';' outside '...' or "..." ends a statement (a quote
// preceded by a backslash does not count); what follows it on the line,
// unless a "--" comment, starts the next one. Statements are stripped,
// empty ones skipped. roseyd: the rest of a line after a ';' is scanned
// too, so "a; b; c" gives three statements (the original kept "b; c" as
// one, which then failed: SQLite runs one statement at a time).
std::vector<std::string> SplitStatements(std::string_view sql);

// A finding of the migration validator (migration_validator.py), as the
// replies carry it: {"level", "message", "migration_version",
// "migration_name", "category"}.
struct ValidationWarning {
  std::string level;  // "ERROR" or "WARNING"
  std::string message;
  int migration_version = 0;
  std::string migration_name;
  std::string category;  // "destructive", "sqlite", "syntax", "checksum"

  bool operator==(const ValidationWarning&) const = default;
};

// Writes {"level", "message", "migration_version", "migration_name",
// "category"} in that order.
void WriteValidationWarning(const ValidationWarning& warning, PyJsonWriter* out);

// The validator on a migration's UP section, in its order: WARNING for
// DROP COLUMN, DROP TABLE, TRUNCATE TABLE (matched in the raw text,
// comments included); ERROR for DROP COLUMN, ALTER COLUMN, ADD CONSTRAINT
// (SQLite cannot); ERROR for unbalanced parentheses and an odd number of
// single quotes once -- and /* */ comments are removed. Keywords match
// case-insensitively at word boundaries with any blanks between them.
std::vector<ValidationWarning> ValidateMigration(const Migration& migration);

// roseyd: the tables a migration of `plugin` may not name in `section` (its
// UP or DOWN text; TablesOutsideScope), each an ERROR of category "scope":
// "Migration names table 'channel_stats': 'channel_stats' is one of
// roseyd's own tables; a plugin's migrations may not act on the service's
// tables or on another plugin's".
std::vector<ValidationWarning> CheckMigrationScope(std::string_view plugin,
                                                   const Migration& migration,
                                                   std::string_view section,
                                                   const std::vector<TablePair>& registry);

// The checksum check of the status reply: an ERROR "Migration file has been
// modified (checksum mismatch). Expected: <8 hex>..., Got: <8 hex>..." when
// the file's checksum differs from the one recorded when it was applied.
std::vector<ValidationWarning> VerifyChecksum(const Migration& migration,
                                              std::string_view stored_checksum);

}  // namespace roseyd::storage_api
