// libFuzzer: the plugin storage API's decoders and compilers. The first byte
// picks what to feed, the rest is the input: a request of one of the 13
// subjects, a migration file, or a Python conversion. Invariants: nothing
// crashes, every reply is JSON, and every statement a decoder builds
// prepares on SQLite with exactly its parameters.
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "storage_api/kv.h"
#include "storage_api/migrate.h"
#include "storage_api/migration_tracking.h"
#include "storage_api/py_datetime.h"
#include "storage_api/py_number.h"
#include "storage_api/row_commands.h"
#include "storage_api/row_schema.h"
#include "storage_api/row_search.h"

namespace {

using namespace roseyd::storage_api;

// One registered table, p_items, for the row subjects.
SchemaCatalog& Catalog() {
  static SchemaCatalog* catalog = [] {
    auto* c = new SchemaCatalog;
    c->Add("p", "items",
           RowSchema({{"title", FieldType::kString, true},
                      {"body", FieldType::kText, false},
                      {"n", FieldType::kInteger, false},
                      {"f", FieldType::kFloat, false},
                      {"ok", FieldType::kBoolean, false},
                      {"at", FieldType::kDatetime, false}}));
    return c;
  }();
  return *catalog;
}

// The tables every statement may name, created once per process.
sqlite3* Database() {
  static sqlite3* db = [] {
    sqlite3* handle = nullptr;
    if (sqlite3_open(":memory:", &handle) != SQLITE_OK) std::abort();
    std::vector<std::string> ddl = KvTableDdl();
    for (const std::string& s : RegistryTableDdl()) ddl.push_back(s);
    for (const std::string& s : TrackingTableDdl()) ddl.push_back(s);
    ddl.push_back(CreateTableSql("p_items", *Catalog().Find("p", "items")));
    for (const std::string& s : ddl) {
      if (sqlite3_exec(handle, s.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) std::abort();
    }
    return handle;
  }();
  return db;
}

void CheckJson(const std::string& text) {
  // Python's json.dumps writes NaN and Infinity; nlohmann does not read them.
  if (text.find("NaN") == std::string::npos && text.find("Infinity") == std::string::npos &&
      !nlohmann::json::accept(text)) {
    std::abort();
  }
}

void CheckStatement(const Statement& statement) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(Database(), statement.sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    std::abort();
  }
  const int count = sqlite3_bind_parameter_count(stmt);
  sqlite3_finalize(stmt);
  if (static_cast<size_t>(count) != statement.params.size()) std::abort();
}

template <typename T, typename Check>
void Run(const std::variant<T, ErrorReply>& result, Check check) {
  if (const auto* error = std::get_if<ErrorReply>(&result)) {
    CheckJson(RenderErrorReply(*error));
    return;
  }
  check(std::get<T>(result));
}

void Fuzz(uint8_t selector, std::string_view input) {
  RowContext context{&Catalog(), "2025-01-02 03:04:05.000000", Dialect::kSqlite};
  constexpr int64_t kNow = 1'700'000'000;
  switch (selector % 17) {
    case 0:
      Run(DecodeKvSet(input, kNow),
          [](const KvSet& c) { CheckStatement(KvSetStatement(c, kNow, Dialect::kSqlite)); });
      break;
    case 1:
      Run(DecodeKvGet(input),
          [](const KvKey& c) { CheckStatement(KvGetStatement(c, kNow, Dialect::kSqlite)); });
      break;
    case 2:
      Run(DecodeKvDelete(input),
          [](const KvKey& c) { CheckStatement(KvDeleteStatement(c, Dialect::kSqlite)); });
      break;
    case 3:
      Run(DecodeKvList(input), [](const KvList& c) {
        CheckStatement(KvListStatement(c, kNow, Dialect::kSqlite));
        CheckJson(RenderKvListReply({"a", "b"}, c.limit));
      });
      break;
    case 4:
      Run(DecodeSchemaRegister("p", input), [](const SchemaRegister& c) {
        if (c.table != "items") {
          CheckStatement({CreateTableSql(FullTableName(c.plugin, c.table), c.schema), {}});
        }
        CheckStatement(RegistryInsertStatement(c, kNow, Dialect::kSqlite));
        if (!ParseStoredSchema(c.schema_json)) std::abort();
      });
      break;
    case 5:
      Run(DecodeRowInsert("p", input, context), [](const RowInsert& c) {
        for (const Statement& s : c.inserts) CheckStatement(s);
        CheckJson(RenderRowInsertReply(c, {1}));
      });
      break;
    case 6:
      Run(DecodeRowSelect("p", input, context),
          [](const RowSelect& c) { CheckStatement(c.select); });
      break;
    case 7:
      Run(DecodeRowUpdate("p", input, context), [](const RowUpdate& c) {
        CheckStatement(c.exists);
        CheckStatement(c.update);
        CheckJson(RenderRowUpdateReply(c, true));
      });
      break;
    case 8:
      Run(DecodeRowDelete("p", input, context),
          [](const RowDelete& c) { CheckStatement(c.remove); });
      break;
    case 9:
      Run(DecodeRowSearch("p", input, context), [](const RowSearch& c) {
        CheckStatement(c.select);
        CheckJson(std::get<std::string>(RenderRowSearchReply(c, {})));
      });
      break;
    case 10:
    case 11: {
      const bool apply = selector % 17 == 10;
      const auto request = apply ? DecodeMigrateApply(input) : DecodeMigrateRollback(input);
      Run(request, [&](const MigrateRequest& r) {
        MigrationDiscovery files;
        files.migrations.push_back(
            {1, "a", "001_a.sql", "CREATE TABLE a (x)", "DROP TABLE a", "0"});
        files.migrations.push_back({2, "b", "002_b.sql", "DROP TABLE a", "SELECT 1", "1"});
        if (apply) {
          Run(PlanApply(r, files, 1), [](const ApplyPlan& plan) {
            CheckJson(RenderValidationFailedReply(plan));
            CheckJson(RenderApplyReply(plan, {}, 1, true));
          });
        } else {
          Run(PlanRollback(r, files, 2, {1, 2}), [](const RollbackPlan&) {});
        }
      });
      break;
    }
    case 12: {
      auto parsed = ParseMigration("001_fuzz.sql", input);
      if (const auto* m = std::get_if<Migration>(&parsed)) {
        SplitStatements(m->up_sql);
        SplitStatements(m->down_sql);
        ValidateMigration(*m);
      }
      break;
    }
    case 13:
      SplitStatements(input);
      break;
    case 14: {
      auto parsed = PyFromIsoformat(input);
      if (const auto* dt = std::get_if<PyDatetime>(&parsed)) {
        // Stored text reads back to the same wall time.
        auto again = PyFromIsoformat(StoredDatetime(*dt));
        const auto* round = std::get_if<PyDatetime>(&again);
        if (round == nullptr || round->year != dt->year || round->microsecond != dt->microsecond) {
          std::abort();
        }
      }
      break;
    }
    case 15: {
      const PyIntParse parse = ParsePyInt(input);
      if (parse.outcome != PyIntParse::Outcome::kOk) PyIntErrorMessage(input, parse);
      ParsePyFloat(input);
      break;
    }
    case 16:
      ParseStoredSchema(input);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fuzz(data[0], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  return 0;
}
