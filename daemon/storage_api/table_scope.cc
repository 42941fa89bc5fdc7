#include "storage_api/table_scope.h"

#include <algorithm>
#include <map>

namespace roseyd::storage_api {

namespace {

bool IsIdentifierStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

bool IsIdentifierPart(unsigned char c) {
  return IsIdentifierStart(c) || (c >= '0' && c <= '9') || c == '$';
}

bool IsListedServiceTable(std::string_view folded) {
  const auto& tables = ServiceTables();
  return std::find(tables.begin(), tables.end(), folded) != tables.end();
}

std::string FullName(const TablePair& pair) { return pair.plugin + "_" + pair.table; }

// Calls on_identifier(text) for each identifier of `sql`, quotes removed,
// skipping comments and '...' literals.
template <typename OnIdentifier>
void ForEachIdentifier(std::string_view sql, OnIdentifier on_identifier) {
  size_t i = 0;
  const size_t n = sql.size();
  // Reads a quoted identifier from sql[i] (the opening quote) to `close`,
  // a doubled `close` standing for itself.
  const auto quoted = [&](char close) {
    std::string text;
    for (++i; i < n; ++i) {
      if (sql[i] != close) {
        text.push_back(sql[i]);
      } else if (i + 1 < n && sql[i + 1] == close && close != ']') {
        text.push_back(close);
        ++i;
      } else {
        ++i;
        break;
      }
    }
    on_identifier(text);
  };
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(sql[i]);
    if (sql.substr(i, 2) == "--") {
      const size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? n : end + 1;
    } else if (sql.substr(i, 2) == "/*") {
      const size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? n : end + 2;
    } else if (c == '\'') {
      // A literal: data, not names. A quote after a backslash does not end
      // it (as SplitStatements reads it), a doubled one stands for itself.
      for (++i; i < n; ++i) {
        if (sql[i] == '\\') {
          ++i;
        } else if (sql[i] == '\'') {
          if (i + 1 < n && sql[i + 1] == '\'') {
            ++i;
          } else {
            ++i;
            break;
          }
        }
      }
    } else if (c == '"') {
      quoted('"');
    } else if (c == '`') {
      quoted('`');
    } else if (c == '[') {
      quoted(']');
    } else if (IsIdentifierStart(c)) {
      const size_t start = i;
      while (i < n && IsIdentifierPart(static_cast<unsigned char>(sql[i]))) ++i;
      on_identifier(sql.substr(start, i - start));
    } else {
      // Blanks, punctuation, numbers, $1 and the $tag$ of a dollar-quoted
      // body, whose text is then read as code.
      ++i;
      while (i < n && c == '$' && IsIdentifierPart(static_cast<unsigned char>(sql[i])) &&
             sql[i] != '$') {
        ++i;
      }
    }
  }
}

}  // namespace

const std::vector<std::string_view>& ServiceTables() {
  static const std::vector<std::string_view> kTables = {
      // The classic protocol's tables (ROSEY_PROTOCOL.md; Rosey's models).
      "user_stats", "user_actions", "channel_stats", "user_count_history", "recent_chat",
      "current_status", "outbound_messages", "api_tokens",
      // roseyd's own.
      "roseyd_meta",
      // The plugin storage API's registry, KV and migration tracking.
      "plugin_table_schemas", "plugin_kv_storage", "plugin_schema_migrations",
      // Rosey's alembic layout.
      "alembic_version"};
  return kTables;
}

bool IsServiceTable(std::string_view name) {
  const std::string folded = FoldTableName(name);
  return IsListedServiceTable(folded) || folded.rfind("sqlite_", 0) == 0;
}

std::string FoldTableName(std::string_view name) {
  std::string folded(name);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return folded;
}

std::string TableClash::Describe() const {
  if (!owner) return "'" + full_name + "' is one of roseyd's own tables";
  return "'" + full_name + "' is the table of plugin '" + owner->plugin + "' (table '" +
         owner->table + "')";
}

std::string RegisterClashMessage(const TablePair& pair, const TableClash& clash) {
  return "Table '" + pair.table + "' cannot be registered for plugin '" + pair.plugin +
         "': " + clash.Describe();
}

std::string ServedClashMessage(const TablePair& pair, const TableClash& clash) {
  return "Table '" + pair.table + "' of plugin '" + pair.plugin +
         "' is not served: " + clash.Describe();
}

std::optional<TableClash> FindTableClash(const TablePair& pair,
                                         const std::vector<TablePair>& registry) {
  const std::string full = FullName(pair);
  if (IsServiceTable(full)) return TableClash{full, std::nullopt};
  const std::string folded = FoldTableName(full);
  for (const TablePair& held : registry) {
    if (FoldTableName(FullName(held)) != folded) continue;
    if (held == pair) return std::nullopt;
    return TableClash{full, held};
  }
  return std::nullopt;
}

std::vector<TableClash> TablesOutsideScope(std::string_view plugin, std::string_view sql,
                                           const std::vector<TablePair>& registry) {
  // Each full name's owner: the first pair that spells it.
  std::map<std::string, const TablePair*, std::less<>> owners;
  for (const TablePair& pair : registry) owners.try_emplace(FoldTableName(FullName(pair)), &pair);
  std::vector<TableClash> clashes;
  std::vector<std::string> seen;
  ForEachIdentifier(sql, [&](std::string_view identifier) {
    std::string folded = FoldTableName(identifier);
    if (std::find(seen.begin(), seen.end(), folded) != seen.end()) return;
    if (IsListedServiceTable(folded)) {
      clashes.push_back({std::string(identifier), std::nullopt});
    } else if (const auto it = owners.find(folded);
               it != owners.end() && it->second->plugin != plugin) {
      clashes.push_back({std::string(identifier), *it->second});
    } else {
      return;
    }
    seen.push_back(std::move(folded));
  });
  return clashes;
}

}  // namespace roseyd::storage_api
