#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/mutex.h"
#include "storage_api/row_schema.h"
#include "storage_api/table_scope.h"

namespace roseyd::storage_api {

// What loading the registry into a catalog found.
struct CatalogLoad {
  size_t loaded = 0;   // pairs added
  size_t skipped = 0;  // rows whose stored schema does not parse
  // Rows whose pair may not have its table, each with why, in registry order.
  std::vector<std::pair<TablePair, TableClash>> refused;
};

// The registered row schemas by (plugin, table): the original's in-memory
// cache (schema_registry.py), loaded from plugin_table_schemas at start and
// consulted by every row request. The first schema registered for a pair
// stays; later registrations change nothing.
//
// roseyd also keeps which pair owns each table name (table_scope.h): a pair
// whose "<plugin>_<table>" is a service table, or a name another pair holds,
// is refused (Add) and remembered as such (Refused), so that no row request
// reaches a table that is not its plugin's.
//
// Thread: thread-safe. Schemas are shared immutable objects, so a request
// keeps the one it looked up even if it decodes while another registers.
class SchemaCatalog {
 public:
  // The schema of (plugin, table), or nullptr when not registered (or
  // refused).
  std::shared_ptr<const RowSchema> Find(std::string_view plugin, std::string_view table) const;

  // Registers `schema` unless the pair has one or may not have its table;
  // true if it was added. On a clash, false and *clash (when non-null) says
  // why; a pair registered already leaves *clash unset.
  bool Add(std::string_view plugin, std::string_view table, RowSchema schema,
           std::optional<TableClash>* clash = nullptr);

  // Holds the pair's table name without a schema (a registry row whose
  // schema does not parse still owns its table); Find answers nullptr for
  // it. Same refusals as Add.
  bool Hold(std::string_view plugin, std::string_view table,
            std::optional<TableClash>* clash = nullptr);

  // Remembers that a registered pair was refused (a database that already
  // held the clash): Refused answers it from now on.
  void Refuse(std::string_view plugin, std::string_view table, TableClash clash);
  // Why the pair's requests are refused, or nullopt.
  std::optional<TableClash> Refused(std::string_view plugin, std::string_view table) const;

  // Forgets the pair (a registration whose CREATE TABLE failed, or that the
  // writer refused, is taken back; the original left its cache entry
  // behind).
  void Remove(std::string_view plugin, std::string_view table);

 private:
  using Key = std::pair<std::string, std::string>;
  bool Insert(std::string_view plugin, std::string_view table,
              std::shared_ptr<const RowSchema> schema, std::optional<TableClash>* clash);

  mutable Mutex mu_;
  std::map<Key, std::shared_ptr<const RowSchema>, std::less<>> schemas_ GUARDED_BY(mu_);
  // Folded full table name -> the pair that owns it (every entry of schemas_).
  std::map<std::string, TablePair, std::less<>> owners_ GUARDED_BY(mu_);
  std::map<Key, TableClash, std::less<>> refused_ GUARDED_BY(mu_);
};

}  // namespace roseyd::storage_api
