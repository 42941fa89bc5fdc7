#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/mutex.h"
#include "storage_api/row_schema.h"

namespace roseyd::storage_api {

// The registered row schemas by (plugin, table): the original's in-memory
// cache (schema_registry.py), loaded from plugin_table_schemas at start and
// consulted by every row request. The first schema registered for a pair
// stays; later registrations change nothing.
//
// Thread: thread-safe. Schemas are shared immutable objects, so a request
// keeps the one it looked up even if it decodes while another registers.
class SchemaCatalog {
 public:
  // The schema of (plugin, table), or nullptr when not registered.
  std::shared_ptr<const RowSchema> Find(std::string_view plugin, std::string_view table) const;

  // Registers `schema` unless the pair has one; true if it was added.
  bool Add(std::string_view plugin, std::string_view table, RowSchema schema);

  // Forgets the pair (a registration whose CREATE TABLE failed may be taken
  // back; the original left its cache entry behind).
  void Remove(std::string_view plugin, std::string_view table);

 private:
  mutable Mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const RowSchema>, std::less<>>
      schemas_ GUARDED_BY(mu_);
};

}  // namespace roseyd::storage_api
