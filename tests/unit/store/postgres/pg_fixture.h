#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "store/event.h"
#include "support/eventually.h"
#include "support/pg_client.h"
#include "support/postgres_server.h"
#include "unit/store/store_fixture.h"

namespace roseyd::store {

inline constexpr int64_t kPgNow = 1'700'000'000;  // a fixed "now" for event rows

inline Event PgEventAt(Write write, uint64_t stream_seq = 0, int64_t now = kPgNow) {
  Event event{std::move(write), now, {}, 0};
  event.stream_seq = stream_seq;
  return event;
}

// Cuts the one session roseyd's code ("roseyd", or "roseyd-writer" for a
// writer's) has open on `client`'s database, as an administrator (or a
// server restart) would; false if there was not exactly one. A session
// closed just before may linger for a moment.
inline bool TerminateTheRoseydSession(testing::PgClient* client) {
  const std::string sessions =
      " FROM pg_stat_activity WHERE datname = current_database()"
      " AND pid <> pg_backend_pid() AND application_name LIKE 'roseyd%'";
  testing::Eventually([&] { return client->Int("SELECT COUNT(*)" + sessions) == 1; },
                      std::chrono::milliseconds(5000), std::chrono::milliseconds(20));
  return client->Int("SELECT COUNT(pg_terminate_backend(pid))" + sessions) == 1;
}

// A database of its own on the shared test server (see PostgresServer), and
// a plain client on it: the tests' independent view of the rows.
class PgTest : public ::testing::Test {
 protected:
  int64_t Count(const std::string& table) {
    return client_.Int("SELECT COUNT(*) FROM " + table).value_or(-1);
  }
  const std::string& url() const { return db_.url(); }

  // See TerminateTheRoseydSession below.
  bool TerminateTheRoseydSession() { return store::TerminateTheRoseydSession(&client_); }

  testing::TestDatabase db_;
  testing::PgClient client_{db_.url()};
};

// The PostgreSQL store for its own tests, on the shared fixture
// (unit/store/store_fixture.h) that the tests both stores pass use.
class PgStoreTest : public StoreTest {
 protected:
  PgStoreTest() : StoreTest(Backend::kPostgres) {}
  bool TerminateTheRoseydSession() { return store::TerminateTheRoseydSession(&pg_client()); }
};

}  // namespace roseyd::store
