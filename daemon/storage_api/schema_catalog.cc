#include "storage_api/schema_catalog.h"

namespace roseyd::storage_api {

std::shared_ptr<const RowSchema> SchemaCatalog::Find(std::string_view plugin,
                                                     std::string_view table) const {
  MutexLock lock(&mu_);
  const auto it = schemas_.find(std::make_pair(std::string(plugin), std::string(table)));
  return it == schemas_.end() ? nullptr : it->second;
}

bool SchemaCatalog::Add(std::string_view plugin, std::string_view table, RowSchema schema) {
  MutexLock lock(&mu_);
  return schemas_
      .try_emplace(std::make_pair(std::string(plugin), std::string(table)),
                   std::make_shared<const RowSchema>(std::move(schema)))
      .second;
}

void SchemaCatalog::Remove(std::string_view plugin, std::string_view table) {
  MutexLock lock(&mu_);
  schemas_.erase(std::make_pair(std::string(plugin), std::string(table)));
}

}  // namespace roseyd::storage_api
