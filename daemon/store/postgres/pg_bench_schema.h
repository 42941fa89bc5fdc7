#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/bench_store.h"
#include "store/postgres/pg_connection.h"

namespace roseyd::store {

// BenchSchema in PostgreSQL (OpenBenchSchema makes one). Made anew at
// construction, so a run killed before its end leaves nothing that the next
// run reads. The counts are the failover scenario's check that every chat
// line is in the database exactly once.
//
// Thread: confined to one thread at a time.
class PgBenchSchema : public BenchSchema {
 public:
  // Connects to `url` and makes the schema `name` empty. Throws
  // StartupError naming the redacted URL and the reason.
  explicit PgBenchSchema(const std::string& url, std::string name = kDefaultName);
  ~PgBenchSchema() override;  // drops the schema; a failure is logged

  PgBenchSchema(const PgBenchSchema&) = delete;
  PgBenchSchema& operator=(const PgBenchSchema&) = delete;

  // BenchSchema.
  const std::string& url() const override { return schema_url_; }
  const std::string& redacted_url() const override { return conn_.redacted_url(); }
  const std::string& name() const override { return name_; }
  Status ChatRows(std::string_view username_prefix, int64_t* rows, int64_t* distinct) override;

 private:
  PgConnection conn_;
  const std::string name_;
  const std::string schema_url_;
};

}  // namespace roseyd::store
