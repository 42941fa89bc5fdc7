#include "storage_api/schema_catalog.h"

namespace roseyd::storage_api {

namespace {

std::pair<std::string, std::string> KeyOf(std::string_view plugin, std::string_view table) {
  return {std::string(plugin), std::string(table)};
}

}  // namespace

std::shared_ptr<const RowSchema> SchemaCatalog::Find(std::string_view plugin,
                                                     std::string_view table) const {
  MutexLock lock(&mu_);
  const auto it = schemas_.find(KeyOf(plugin, table));
  return it == schemas_.end() ? nullptr : it->second;
}

bool SchemaCatalog::Add(std::string_view plugin, std::string_view table, RowSchema schema,
                        std::optional<TableClash>* clash) {
  return Insert(plugin, table, std::make_shared<const RowSchema>(std::move(schema)), clash);
}

bool SchemaCatalog::Hold(std::string_view plugin, std::string_view table,
                         std::optional<TableClash>* clash) {
  return Insert(plugin, table, nullptr, clash);
}

bool SchemaCatalog::Insert(std::string_view plugin, std::string_view table,
                           std::shared_ptr<const RowSchema> schema,
                           std::optional<TableClash>* clash) {
  if (clash != nullptr) clash->reset();
  TablePair pair{std::string(plugin), std::string(table)};
  const std::string full = pair.plugin + "_" + pair.table;
  MutexLock lock(&mu_);
  if (schemas_.count(KeyOf(plugin, table)) > 0) return false;
  std::optional<TableClash> found;
  if (IsServiceTable(full)) {
    found = TableClash{full, std::nullopt};
  } else if (const auto it = owners_.find(FoldTableName(full)); it != owners_.end()) {
    found = TableClash{full, it->second};
  }
  if (found) {
    if (clash != nullptr) *clash = std::move(found);
    return false;
  }
  owners_.emplace(FoldTableName(full), pair);
  schemas_.emplace(KeyOf(plugin, table), std::move(schema));
  return true;
}

void SchemaCatalog::Refuse(std::string_view plugin, std::string_view table, TableClash clash) {
  MutexLock lock(&mu_);
  refused_.insert_or_assign(KeyOf(plugin, table), std::move(clash));
}

std::optional<TableClash> SchemaCatalog::Refused(std::string_view plugin,
                                                 std::string_view table) const {
  MutexLock lock(&mu_);
  const auto it = refused_.find(KeyOf(plugin, table));
  if (it == refused_.end()) return std::nullopt;
  return it->second;
}

void SchemaCatalog::Remove(std::string_view plugin, std::string_view table) {
  MutexLock lock(&mu_);
  if (schemas_.erase(KeyOf(plugin, table)) == 0) return;
  owners_.erase(FoldTableName(std::string(plugin) + "_" + std::string(table)));
}

}  // namespace roseyd::storage_api
