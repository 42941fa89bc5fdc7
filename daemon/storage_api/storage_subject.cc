#include "storage_api/storage_subject.h"

#include <utility>

namespace roseyd::storage_api {

namespace {

constexpr std::pair<std::string_view, StorageOp> kKv[] = {{"set", StorageOp::kKvSet},
                                                          {"get", StorageOp::kKvGet},
                                                          {"delete", StorageOp::kKvDelete},
                                                          {"list", StorageOp::kKvList}};
constexpr std::pair<std::string_view, StorageOp> kRow[] = {
    {"schema.register", StorageOp::kSchemaRegister},
    {"insert", StorageOp::kRowInsert},
    {"select", StorageOp::kRowSelect},
    {"update", StorageOp::kRowUpdate},
    {"delete", StorageOp::kRowDelete},
    {"search", StorageOp::kRowSearch}};
constexpr std::pair<std::string_view, StorageOp> kMigrate[] = {
    {"apply", StorageOp::kMigrateApply},
    {"rollback", StorageOp::kMigrateRollback},
    {"status", StorageOp::kMigrateStatus}};

template <size_t N>
std::optional<StorageOp> Lookup(const std::pair<std::string_view, StorageOp> (&table)[N],
                                std::string_view suffix) {
  for (const auto& [name, op] : table) {
    if (name == suffix) return op;
  }
  return std::nullopt;
}

bool ConsumePrefix(std::string_view* text, std::string_view prefix) {
  if (text->substr(0, prefix.size()) != prefix) return false;
  text->remove_prefix(prefix.size());
  return true;
}

}  // namespace

std::optional<StorageSubject> ParseStorageSubject(std::string_view prefix,
                                                  std::string_view subject) {
  std::string_view rest = subject;
  if (!ConsumePrefix(&rest, prefix) || !ConsumePrefix(&rest, ".")) return std::nullopt;
  if (ConsumePrefix(&rest, "kv.")) {
    if (auto op = Lookup(kKv, rest)) return StorageSubject{*op, ""};
    return std::nullopt;
  }
  const bool row = ConsumePrefix(&rest, "row.");
  if (!row && !ConsumePrefix(&rest, "migrate.")) return std::nullopt;
  const size_t dot = rest.find('.');
  if (dot == 0 || dot == std::string_view::npos) return std::nullopt;
  const std::string_view plugin = rest.substr(0, dot);
  const std::string_view suffix = rest.substr(dot + 1);
  const std::optional<StorageOp> op = row ? Lookup(kRow, suffix) : Lookup(kMigrate, suffix);
  if (!op) return std::nullopt;
  return StorageSubject{*op, std::string(plugin)};
}

std::vector<std::string> StorageSubscriptions(std::string_view prefix) {
  const std::string base(prefix);
  std::vector<std::string> subjects;
  for (const auto& [name, op] : kKv) subjects.push_back(base + ".kv." + std::string(name));
  for (const auto& [name, op] : kRow) subjects.push_back(base + ".row.*." + std::string(name));
  for (const auto& [name, op] : kMigrate) {
    subjects.push_back(base + ".migrate.*." + std::string(name));
  }
  return subjects;
}

}  // namespace roseyd::storage_api
