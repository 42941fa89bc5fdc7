#include "store/bench_store.h"

#include <utility>

#include "store/postgres/pg_bench_schema.h"
#include "store/sqlite/bench_counts.h"

namespace roseyd::store {

std::unique_ptr<BenchCounts> OpenBenchCounts(const std::string& path) {
  return std::make_unique<SqliteBenchCounts>(path);
}

std::unique_ptr<BenchSchema> OpenBenchSchema(const std::string& url, std::string name) {
  return std::make_unique<PgBenchSchema>(url, std::move(name));
}

}  // namespace roseyd::store
