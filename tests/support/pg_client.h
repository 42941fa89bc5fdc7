#pragma once

#include <cstdint>
#include <optional>
#include <string>

struct pg_conn;
struct pg_result;

namespace roseyd::testing {

// A plain libpq connection of the kind another program (Rosey's web UI, an
// operator's psql) opens on the same database: the tests' independent view
// of the rows, and a way to change them behind roseyd's back.
//
// Thread: confined to one thread at a time.
class PgClient {
 public:
  // Connects to `url`; throws std::runtime_error if it cannot.
  explicit PgClient(const std::string& url);
  ~PgClient();

  PgClient(const PgClient&) = delete;
  PgClient& operator=(const PgClient&) = delete;

  // A connection the server cut (a restart) is made again before the next
  // statement, or for a retry of the statement that found it cut.
  // Runs `sql` (several statements allowed); the error message, or "".
  std::string Exec(const std::string& sql);
  // The first column of the first row, or nullopt for no row or NULL. A
  // failing query fails the calling test and gives nullopt.
  std::optional<int64_t> Int(const std::string& sql);
  std::optional<std::string> Text(const std::string& sql);

 private:
  pg_result* Run(const std::string& sql);

  pg_conn* conn_ = nullptr;
};

}  // namespace roseyd::testing
