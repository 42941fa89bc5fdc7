#include "storage_api/migration_check.h"

#include <algorithm>

#include "storage_api/py_json_writer.h"
#include "storage_api/utf8.h"

namespace roseyd::storage_api {

namespace {

bool IsWordByte(unsigned char c) {
  // Python's \w in a str pattern is Unicode: every non-ASCII letter counts,
  // which treating every non-ASCII byte as a word byte approximates.
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c >= 0x80;
}

bool IsRegexSpace(std::string_view text, size_t pos, size_t* next) {
  size_t p = pos;
  if (!IsPySpace(NextCodePoint(text, &p))) return false;
  *next = p;
  return true;
}

bool MatchWordAt(std::string_view text, size_t pos, std::string_view word) {
  if (pos + word.size() > text.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = text[pos + i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != word[i]) return false;
  }
  return true;
}

// re.search(r'\b<FIRST>\s+<SECOND>\b', text, re.IGNORECASE)
bool ContainsPhrase(std::string_view text, std::string_view first, std::string_view second) {
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (pos > 0 && IsWordByte(static_cast<unsigned char>(text[pos - 1]))) continue;
    if (!MatchWordAt(text, pos, first)) continue;
    size_t p = pos + first.size();
    size_t next = 0;
    if (!IsRegexSpace(text, p, &next)) continue;
    p = next;
    while (p < text.size() && IsRegexSpace(text, p, &next)) p = next;
    if (!MatchWordAt(text, p, second)) continue;
    const size_t end = p + second.size();
    if (end < text.size() && IsWordByte(static_cast<unsigned char>(text[end]))) continue;
    return true;
  }
  return false;
}

// re.sub(r'--.*$', '', sql, flags=re.MULTILINE), then
// re.sub(r'/\*.*?\*/', '', ..., flags=re.DOTALL).
std::string StripComments(std::string_view sql) {
  std::string no_dash;
  for (size_t pos = 0; pos < sql.size();) {
    if (sql.compare(pos, 2, "--") == 0) {
      const size_t end = sql.find('\n', pos);
      if (end == std::string_view::npos) break;
      pos = end;
    } else {
      no_dash.push_back(sql[pos++]);
    }
  }
  std::string out;
  for (size_t pos = 0; pos < no_dash.size();) {
    const size_t end =
        no_dash.compare(pos, 2, "/*") == 0 ? no_dash.find("*/", pos + 2) : std::string::npos;
    if (end != std::string::npos) {
      pos = end + 2;
    } else {
      out.push_back(no_dash[pos++]);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> SplitStatements(std::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  bool in_string = false;
  char quote = 0;
  const auto flush = [&] {
    const std::string_view statement = PyStrip(current);
    if (!statement.empty()) statements.emplace_back(statement);
    current.clear();
  };
  size_t start = 0;
  while (start <= sql.size()) {
    size_t end = sql.find('\n', start);
    if (end == std::string_view::npos) end = sql.size();
    std::string_view line = sql.substr(start, end - start);
    start = end + 1;
    if (PyStrip(line).substr(0, 2) == "--") continue;
    for (;;) {
      size_t i = 0;
      for (; i < line.size(); ++i) {
        const char c = line[i];
        if ((c == '"' || c == '\'') && (i == 0 || line[i - 1] != '\\')) {
          if (!in_string) {
            in_string = true;
            quote = c;
          } else if (c == quote) {
            in_string = false;
          }
        }
        if (c == ';' && !in_string) break;
      }
      if (i == line.size()) {
        current.append(line).push_back('\n');
        break;
      }
      current.append(line.substr(0, i));
      flush();
      line = line.substr(i + 1);
      const std::string_view rest = PyStrip(line);
      if (rest.empty() || rest.substr(0, 2) == "--") break;
      line = rest;
    }
  }
  flush();
  return statements;
}

std::vector<ValidationWarning> ValidateMigration(const Migration& migration) {
  std::vector<ValidationWarning> found;
  const auto add = [&](const char* level, std::string message, const char* category) {
    found.push_back({level, std::move(message), migration.version, migration.name, category});
  };
  const std::string_view sql = migration.up_sql;
  const bool drop_column = ContainsPhrase(sql, "DROP", "COLUMN");
  if (drop_column) {
    add("WARNING",
        "Migration drops column (potential data loss). Ensure column data is no longer needed "
        "or backed up.",
        "destructive");
  }
  if (ContainsPhrase(sql, "DROP", "TABLE")) {
    add("WARNING",
        "Migration drops table (all table data will be deleted). Ensure data is backed up or no "
        "longer needed.",
        "destructive");
  }
  if (ContainsPhrase(sql, "TRUNCATE", "TABLE")) {
    add("WARNING",
        "Migration truncates table (all rows will be deleted). Ensure data is backed up or no "
        "longer needed.",
        "destructive");
  }
  if (drop_column) {
    add("ERROR",
        "SQLite does not support DROP COLUMN directly. Use table recreation pattern: CREATE temp "
        "table, INSERT data (excluding column), DROP old table, RENAME temp table.",
        "sqlite");
  }
  if (ContainsPhrase(sql, "ALTER", "COLUMN")) {
    add("ERROR",
        "SQLite does not support ALTER COLUMN directly. Use table recreation pattern with "
        "modified schema.",
        "sqlite");
  }
  if (ContainsPhrase(sql, "ADD", "CONSTRAINT")) {
    add("ERROR",
        "SQLite does not support ADD CONSTRAINT directly. Define constraints in initial CREATE "
        "TABLE or use table recreation.",
        "sqlite");
  }
  const std::string bare = StripComments(sql);
  const auto open = std::count(bare.begin(), bare.end(), '(');
  const auto close = std::count(bare.begin(), bare.end(), ')');
  if (open != close) {
    add("ERROR",
        "Unmatched parentheses: " + std::to_string(open) + " open, " + std::to_string(close) +
            " close",
        "syntax");
  }
  const auto quotes = std::count(bare.begin(), bare.end(), '\'');
  if (quotes % 2 != 0) {
    add("ERROR",
        "Unterminated string (odd number of single quotes: " + std::to_string(quotes) + ")",
        "syntax");
  }
  return found;
}

void WriteValidationWarning(const ValidationWarning& warning, PyJsonWriter* out) {
  out->BeginObject();
  out->Key("level");
  out->String(warning.level);
  out->Key("message");
  out->String(warning.message);
  out->Key("migration_version");
  out->Int(warning.migration_version);
  out->Key("migration_name");
  out->String(warning.migration_name);
  out->Key("category");
  out->String(warning.category);
  out->EndObject();
}

std::vector<ValidationWarning> VerifyChecksum(const Migration& migration,
                                              std::string_view stored_checksum) {
  if (migration.checksum == stored_checksum) return {};
  return {{"ERROR",
           "Migration file has been modified (checksum mismatch). Expected: " +
               std::string(stored_checksum.substr(0, 8)) +
               "..., Got: " + migration.checksum.substr(0, 8) + "...",
           migration.version, migration.name, "checksum"}};
}

std::vector<ValidationWarning> CheckMigrationScope(std::string_view plugin,
                                                   const Migration& migration,
                                                   std::string_view section,
                                                   const std::vector<TablePair>& registry) {
  std::vector<ValidationWarning> errors;
  for (const TableClash& clash : TablesOutsideScope(plugin, section, registry)) {
    errors.push_back({"ERROR",
                      "Migration names table '" + clash.full_name + "': " + clash.Describe() +
                          "; a plugin's migrations may not act on the service's tables or on "
                          "another plugin's",
                      migration.version, migration.name, "scope"});
  }
  return errors;
}

}  // namespace roseyd::storage_api
