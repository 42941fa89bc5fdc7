#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roseyd::storage_api {

// Which tables a plugin's requests may reach (roseyd; the original let a
// plugin reach any table its name and a table name could spell).
//
// A registered pair (plugin, table) owns the table "<plugin>_<table>"
// (FullTableName). Two things may not be a plugin's table, whatever the
// pair: the service's own tables, and a full name the registry already
// holds for another pair ("vic" + "tim_items" and "vic_tim" + "items" spell
// the same table). Names compare with ASCII case folded, as SQLite compares
// identifiers, so that a database keeps its meaning on either store.

// The service's own tables: the classic ones, roseyd_meta, the plugin
// storage API's registry, KV and migration tracking, and every table of
// Rosey's schema (its create_all and alembic layouts: alembic_version).
const std::vector<std::string_view>& ServiceTables();

// Whether `name` is one of ServiceTables(), or SQLite's own (sqlite_*).
bool IsServiceTable(std::string_view name);

// `name` as table names compare: ASCII letters in lower case.
std::string FoldTableName(std::string_view name);

// A registered pair, as the registry holds it.
struct TablePair {
  std::string plugin;
  std::string table;

  bool operator==(const TablePair&) const = default;
};

// Why a pair may not have (or use) its table "<plugin>_<table>".
struct TableClash {
  std::string full_name;
  // The pair that holds full_name; nullopt: it is a service table.
  std::optional<TablePair> owner;

  // "'channel_stats' is one of roseyd's own tables", or "'vic_tim_items' is
  // the table of plugin 'vic_tim' (table 'items')".
  std::string Describe() const;

  bool operator==(const TableClash&) const = default;
};

// The VALIDATION_ERROR text of a schema.register refused for `clash`:
// "Table 'stats' cannot be registered for plugin 'channel': " + Describe().
std::string RegisterClashMessage(const TablePair& pair, const TableClash& clash);
// The text of a row request on a registered pair whose table is refused
// (a database that already held the clash): "Table 'stats' of plugin
// 'channel' is not served: " + Describe().
std::string ServedClashMessage(const TablePair& pair, const TableClash& clash);

// The clash of `pair` given the registry's pairs in registration order (the
// first pair that spells a full name owns it): nullopt when `pair` may have
// its table, i.e. its full name is not a service table and no pair holds it
// or `pair` itself is the first that does.
std::optional<TableClash> FindTableClash(const TablePair& pair,
                                         const std::vector<TablePair>& registry);

// What a migration of `plugin` may not name (roseyd's rule, docs/PROTOCOL.md
// "Plugin storage API"): a service table, or the table of a pair of another
// plugin. `sql` is one section (UP or DOWN); each identifier outside
// comments and '...' literals is compared, quoted or not, schema-qualified
// or not, ASCII case folded. Dollar-quoted bodies ($$...$$, PostgreSQL's
// function bodies) are code and are read as well. Returns one clash per
// table named, in the order first named. SQL that builds a name at run time
// (EXECUTE of a concatenated string) is not seen: a migration is the
// plugin's code, installed by the operator, and this is a check of what it
// names, not a sandbox.
std::vector<TableClash> TablesOutsideScope(std::string_view plugin, std::string_view sql,
                                           const std::vector<TablePair>& registry);

}  // namespace roseyd::storage_api
