#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/postgres/pg_connection.h"

namespace roseyd::store {

// A PostgreSQL schema of the benchmark's own (kName unless named), in the
// database at bench.store_url: the failover scenario's service instances
// (and the cost workload) work in it
// (url() points their search_path there), and it is dropped, with all they
// wrote, when this object dies. Made anew at construction, so a run killed
// before its end leaves nothing that the next run reads.
//
// The counts are the failover scenario's check that every chat line is in
// the database exactly once. Username prefixes are matched with LIKE, so
// REQUIRES: a prefix holds neither '%' nor '_'.
//
// Thread: confined to one thread at a time.
class PgBenchSchema {
 public:
  static constexpr const char* kName = "roseyd_bench";

  // Connects to `url` and makes the schema `name` empty. Throws
  // StartupError naming the redacted URL and the reason.
  explicit PgBenchSchema(const std::string& url, std::string name = kName);
  ~PgBenchSchema();  // drops the schema; a failure is logged

  PgBenchSchema(const PgBenchSchema&) = delete;
  PgBenchSchema& operator=(const PgBenchSchema&) = delete;

  // The database's URL with search_path set to the schema.
  const std::string& url() const { return schema_url_; }
  const std::string& redacted_url() const { return conn_.redacted_url(); }
  const std::string& name() const { return name_; }

  // recent_chat rows of users whose name starts with `username_prefix`, and
  // how many distinct (username, message) pairs among them.
  Status ChatRows(std::string_view username_prefix, int64_t* rows, int64_t* distinct);

 private:
  PgConnection conn_;
  const std::string name_;
  const std::string schema_url_;
};

}  // namespace roseyd::store
