#include "store/postgres/pg_bench_schema.h"

#include <spdlog/spdlog.h>

#include "base/startup_error.h"

namespace roseyd::store {

namespace {

constexpr std::chrono::seconds kTimeout{30};

// libpq's URI parameter `options` passes "-c search_path=..." to the server
// for every session (percent-encoded: "-csearch_path%3D<schema>").
std::string WithSearchPath(const std::string& url, const std::string& schema) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         schema;
}

}  // namespace

PgBenchSchema::PgBenchSchema(const std::string& url, std::string name)
    : conn_(url, kTimeout), name_(std::move(name)), schema_url_(WithSearchPath(url, name_)) {
  conn_.ConnectOrThrow();
  const std::string sql =
      "DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_;
  if (const Status s = conn_.Exec(sql.c_str()); !s.ok()) {
    throw StartupError("bench", conn_.redacted_url() + ": cannot make the benchmark's schema " +
                                    name_ + ": " + s.message());
  }
}

PgBenchSchema::~PgBenchSchema() {
  // A server that went away meanwhile (a fault test) needs a new session.
  if (!conn_.connected() && !conn_.Connect().ok()) {
    spdlog::warn("bench: could not drop schema {} in {}: cannot connect", name_,
                 conn_.redacted_url());
    return;
  }
  const std::string sql = "DROP SCHEMA IF EXISTS " + name_ + " CASCADE";
  if (const Status s = conn_.Exec(sql.c_str()); !s.ok()) {
    spdlog::warn("bench: could not drop schema {} in {}: {}", name_, conn_.redacted_url(),
                 s.ToString());
  }
  conn_.Close();
}

Status PgBenchSchema::ChatRows(std::string_view username_prefix, int64_t* rows, int64_t* distinct) {
  const std::string pattern = std::string(username_prefix) + "%";
  const std::string sql =
      "SELECT COUNT(*), COUNT(DISTINCT (username, message)) FROM " + name_ +
      ".recent_chat WHERE username LIKE $1";
  PgParams params;
  params.Add(pattern);
  PgResult result;
  if (Status s = conn_.ExecParams(sql.c_str(), params, &result); !s.ok()) return s;
  *rows = result.Int64(0, 0);
  *distinct = result.Int64(0, 1);
  return Status::OK();
}

}  // namespace roseyd::store
