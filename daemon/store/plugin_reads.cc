#include "store/plugin_reads.h"

#include <utility>
#include <variant>

#include "storage_api/row_schema.h"

namespace roseyd::store {

namespace {

using storage_api::SqlValue;

// Cells of the API's own tables are written by it (or by the original), so
// their types are known; these read them leniently all the same, since
// SQLite keeps whatever another program stored.
std::string TextOf(const SqlValue& cell) {
  if (const auto* text = std::get_if<std::string>(&cell)) return *text;
  if (const auto* i = std::get_if<int64_t>(&cell)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&cell)) return std::to_string(*d);
  return std::string();
}

std::optional<int64_t> IntOf(const SqlValue& cell) {
  if (const auto* i = std::get_if<int64_t>(&cell)) return *i;
  if (const auto* d = std::get_if<double>(&cell)) return static_cast<int64_t>(*d);
  if (const auto* text = std::get_if<std::string>(&cell)) {
    try {
      return std::stoll(*text);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

Status ReadKvValue(SqlSession* session, const storage_api::KvKey& key, int64_t now,
                   std::optional<std::string>* value_json) {
  value_json->reset();
  std::vector<SqlRow> rows;
  Status s = session->Run(storage_api::KvGetStatement(key, now, session->dialect()), &rows);
  if (!s.ok()) return s;
  if (!rows.empty() && !rows[0].empty() &&
      !std::holds_alternative<std::monostate>(rows[0][0])) {
    *value_json = TextOf(rows[0][0]);
  }
  return Status::OK();
}

Status ReadKvKeys(SqlSession* session, const storage_api::KvList& list, int64_t now,
                  std::vector<std::string>* keys) {
  keys->clear();
  std::vector<SqlRow> rows;
  Status s = session->Run(storage_api::KvListStatement(list, now, session->dialect()), &rows);
  if (!s.ok()) return s;
  keys->reserve(rows.size());
  for (const SqlRow& row : rows) keys->push_back(row.empty() ? std::string() : TextOf(row[0]));
  return Status::OK();
}

Status ReadRow(SqlSession* session, const storage_api::RowSelect& select,
               std::optional<storage_api::RowCells>* row) {
  row->reset();
  std::vector<SqlRow> rows;
  Status s = session->Run(select.select, &rows);
  if (!s.ok()) return s;
  if (!rows.empty()) *row = std::move(rows[0]);
  return Status::OK();
}

Status ReadRows(SqlSession* session, const storage_api::RowSearch& search,
                std::vector<storage_api::RowCells>* rows) {
  rows->clear();
  return session->Run(search.select, rows);
}

Status ReadCurrentVersion(SqlSession* session, std::string_view plugin, int64_t* version) {
  *version = 0;
  std::vector<SqlRow> rows;
  Status s =
      session->Run(storage_api::CurrentVersionStatement(plugin, session->dialect()), &rows);
  if (!s.ok()) return s;
  if (!rows.empty() && !rows[0].empty()) *version = IntOf(rows[0][0]).value_or(0);
  return Status::OK();
}

Status ReadAppliedVersions(SqlSession* session, std::string_view plugin,
                           std::vector<int64_t>* versions) {
  versions->clear();
  std::vector<SqlRow> rows;
  Status s =
      session->Run(storage_api::AppliedVersionsStatement(plugin, session->dialect()), &rows);
  if (!s.ok()) return s;
  for (const SqlRow& row : rows) {
    if (const auto v = row.empty() ? std::nullopt : IntOf(row[0])) versions->push_back(*v);
  }
  return Status::OK();
}

Status ReadMigrations(SqlSession* session, std::string_view plugin, int64_t* current_version,
                      std::vector<storage_api::TrackingRow>* rows) {
  rows->clear();
  if (Status s = ReadCurrentVersion(session, plugin, current_version); !s.ok()) return s;
  std::vector<SqlRow> cells;
  Status s =
      session->Run(storage_api::TrackingRowsStatement(plugin, session->dialect()), &cells);
  if (!s.ok()) return s;
  for (const SqlRow& row : cells) {
    if (row.size() < 7) continue;
    rows->push_back(storage_api::TrackingRow{IntOf(row[0]).value_or(0), TextOf(row[1]),
                                             TextOf(row[2]), TextOf(row[3]), TextOf(row[4]),
                                             TextOf(row[5]), IntOf(row[6])});
  }
  return Status::OK();
}

Status LoadRegisteredSchemas(SqlSession* session, storage_api::SchemaCatalog* catalog,
                             storage_api::CatalogLoad* load) {
  *load = storage_api::CatalogLoad{};
  std::vector<SqlRow> rows;
  Status s = session->Run(storage_api::RegistryLoadStatement(session->dialect()), &rows);
  if (!s.ok()) return s;
  for (const SqlRow& row : rows) {
    if (row.size() < 3) continue;
    storage_api::TablePair pair{TextOf(row[0]), TextOf(row[1])};
    std::optional<storage_api::RowSchema> schema = storage_api::ParseStoredSchema(TextOf(row[2]));
    std::optional<storage_api::TableClash> clash;
    const bool added = schema ? catalog->Add(pair.plugin, pair.table, std::move(*schema), &clash)
                              : catalog->Hold(pair.plugin, pair.table, &clash);
    if (clash) {
      catalog->Refuse(pair.plugin, pair.table, *clash);
      load->refused.emplace_back(std::move(pair), std::move(*clash));
    } else if (!schema) {
      ++load->skipped;
    } else if (added) {
      ++load->loaded;
    }
  }
  return Status::OK();
}

Status ReadRegistryPairs(SqlSession* session, std::vector<storage_api::TablePair>* pairs) {
  pairs->clear();
  std::vector<SqlRow> rows;
  Status s = session->Run(storage_api::RegistryLoadStatement(session->dialect()), &rows);
  if (!s.ok()) return s;
  for (const SqlRow& row : rows) {
    if (row.size() >= 2) pairs->push_back({TextOf(row[0]), TextOf(row[1])});
  }
  return Status::OK();
}

}  // namespace roseyd::store
