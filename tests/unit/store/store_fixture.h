#pragma once

// One fixture for the tests that the SQLite and the PostgreSQL store must
// both pass (store_reader_test.cc, store_writer_test.cc, as TEST_P over
// Backend), and for each store's own tests (a fixed Backend). SQLite: a
// fresh file in a temporary folder, seen through a plain sqlite3
// connection. PostgreSQL: a database of its own on the shared test server
// (support/postgres_server.h), seen through a plain libpq client. Each test
// binary instantiates the suites for the store it is labelled for.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/event.h"
#include "store/postgres/pg_store.h"
#include "store/reader.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"
#include "support/pg_client.h"
#include "support/postgres_server.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"
#include "unit/store/raw_sqlite.h"

namespace roseyd::store {

enum class Backend { kSqlite, kPostgres };

inline std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

inline constexpr int64_t kStoreNow = 1'700'000'000;  // a fixed "now" for event rows

inline Event EventAt(Write write, uint64_t stream_seq = 0, int64_t now = kStoreNow) {
  Event event{std::move(write), now, {}, 0};
  event.stream_seq = stream_seq;
  return event;
}

// A row of outbound_messages as Rosey's web UI (or its retry loop) leaves it.
struct OutboundInsert {
  std::optional<int64_t> id;  // nullopt: the next one
  int64_t timestamp = 0;
  std::string message;
  bool sent = false;
  int64_t retry_count = 0;
  std::optional<std::string> last_error;
};

class StoreTest : public ::testing::Test {
 protected:
  explicit StoreTest(Backend backend) : backend_(backend) {
    if (backend_ == Backend::kSqlite) {
      dir_.emplace();
    } else {
      db_.emplace();
    }
    Open();
    if (backend_ == Backend::kSqlite) {
      raw_ = std::make_unique<RawSqlite>(Location());
    } else {
      client_ = std::make_unique<testing::PgClient>(db_->url());
    }
  }

  Backend backend() const { return backend_; }
  // The SQLite file's path, or the PostgreSQL database's URL.
  std::string Location() const {
    return backend_ == Backend::kSqlite ? dir_->File("rosey.db") : db_->url();
  }

  // (Re)opens the store, for `stream`, and its writer; `config` is SQLite's.
  void Open(const StoreConfig& config = StoreConfig{}, const std::string& stream = "ROSEY_DB") {
    writer_.reset();  // one SQLite writer per file: the old one goes first
    store_ = backend_ == Backend::kSqlite ? OpenSqliteStore(config, Location(), stream)
                                          : OpenPostgresStore(Location(), stream);
    writer_ = store_->OpenWriter();
  }

  Status Apply(std::vector<Event>* batch, std::vector<RefusedEvent>* rejected) {
    return writer_->ApplyBatch(*batch, rejected);
  }
  // Applies `batch`, which must write every event.
  void Write(std::vector<Event> batch) {
    std::vector<RefusedEvent> rejected;
    ASSERT_OK(writer_->ApplyBatch(batch, &rejected));
    ASSERT_TRUE(rejected.empty());
  }

  // The tests' independent view of the rows: runs `sql`, the error or "".
  std::string Exec(const std::string& sql) { return raw_ ? raw_->Exec(sql) : client_->Exec(sql); }
  std::optional<int64_t> Int(const std::string& sql) {
    return raw_ ? raw_->Int(sql) : client_->Int(sql);
  }
  std::optional<std::string> Text(const std::string& sql) {
    return raw_ ? raw_->Text(sql) : client_->Text(sql);
  }
  int64_t Count(const std::string& table) {
    return Int("SELECT COUNT(*) FROM " + table).value_or(-1);
  }
  // `column` of every row of `table` by id, joined with commas.
  std::optional<std::string> Joined(const std::string& column, const std::string& table) {
    return Text(backend_ == Backend::kSqlite
                    ? "SELECT group_concat(" + column + ", ',') FROM (SELECT " + column + " FROM " +
                          table + " ORDER BY id)"
                    : "SELECT string_agg(" + column + "::text, ',' ORDER BY id) FROM " + table);
  }
  // The stream position as kept in roseyd_meta for `stream`.
  std::optional<int64_t> MetaPosition(const std::string& stream = "ROSEY_DB") {
    const std::string where = " FROM roseyd_meta WHERE key = 'jetstream." + stream + ".last_seq'";
    return Int(backend_ == Backend::kSqlite ? "SELECT CAST(value AS INTEGER)" + where
                                            : "SELECT value::bigint" + where);
  }

  // Refuses one chat line (message 'poison') with a data error, as a
  // trigger another tool added could.
  void PoisonRecentChat() {
    ASSERT_EQ(
        Exec(backend_ == Backend::kSqlite
                 ? "CREATE TRIGGER poison BEFORE INSERT ON recent_chat WHEN NEW.message = 'poison'"
                   " BEGIN SELECT RAISE(ABORT, 'poisoned row'); END;"
                 : "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$"
                   " BEGIN IF NEW.message = 'poison' THEN RAISE EXCEPTION 'poisoned row'"
                   " USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$;"
                   "CREATE TRIGGER poison BEFORE INSERT ON recent_chat FOR EACH ROW"
                   " EXECUTE FUNCTION poison()"),
        "");
  }

  // Inserts outbound rows behind roseyd's back, in each store's own schema
  // (the error column is last_error in SQLite, error_message in PostgreSQL).
  void InsertOutbound(const std::vector<OutboundInsert>& rows) {
    const bool sqlite = backend_ == Backend::kSqlite;
    std::string sql;
    for (const OutboundInsert& r : rows) {
      const std::string error = r.last_error ? "'" + *r.last_error + "'" : "NULL";
      sql += std::string("INSERT INTO outbound_messages (") + (r.id ? "id, " : "") +
             "\"timestamp\", message, sent, retry_count, " +
             (sqlite ? "last_error" : "error_message") + ") VALUES (" +
             (r.id ? std::to_string(*r.id) + ", " : "") + std::to_string(r.timestamp) + ", '" +
             r.message + "', " + (sqlite ? (r.sent ? "1" : "0") : (r.sent ? "true" : "false")) +
             ", " + std::to_string(r.retry_count) + ", " + error + ");";
    }
    ASSERT_EQ(Exec(sql), "");
  }

  // PostgreSQL's: the database and the plain client on it.
  testing::TestDatabase& pg_database() { return *db_; }
  testing::PgClient& pg_client() { return *client_; }

  std::unique_ptr<Store> store_;
  std::unique_ptr<StoreWriter> writer_;

 private:
  const Backend backend_;
  std::optional<testing::TempDir> dir_;
  std::optional<testing::TestDatabase> db_;
  std::unique_ptr<RawSqlite> raw_;
  std::unique_ptr<testing::PgClient> client_;
};

// The shared suites' fixture: the store is the test's parameter.
class EachStoreTest : public StoreTest, public ::testing::WithParamInterface<Backend> {
 protected:
  EachStoreTest() : StoreTest(GetParam()) {}
};

// The shared suites (store_reader_test.cc, store_writer_test.cc), declared
// here for the files that instantiate them.
class StoreReaderTest : public EachStoreTest {
 protected:
  std::unique_ptr<Reader> reader_ = store_->OpenReader();
};
class StoreWriterTest : public EachStoreTest {};

// For INSTANTIATE_TEST_SUITE_P(Sqlite, ..., ::testing::Values(Backend::kSqlite),
// BackendParamName).
inline std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info) {
  return BackendName(info.param);
}

}  // namespace roseyd::store
