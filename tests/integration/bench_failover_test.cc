// The load generator's failover scenario: two service instances of its own
// on a PostgreSQL database (bench.store_url), the leader stopped under load.
// The database must hold every line once, and be left as it was found.

#include <cmath>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/bench_world.h"
#include "support/pg_client.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

// Small enough for a busy CI machine; the failover target is loose for the
// same reason (docs/BENCHMARKS.md has the built-in one's figures).
const char kFailoverCatalog[] = R"(
suites: {f: [failover]}
scenarios:
  - name: failover
    kind: failover
    category: failure_recovery
    priority: P1
    description: the leader stops under load
    rate: 4000
    duration: 3s
    publishers: 2
    targets:
      - {metric: failover_ms, at_most: 10000}
      - {metric: lost, at_most: 0}
      - {metric: duplicated, at_most: 0}
)";

double Figure(const json& scenario, const std::string& metric) {
  for (const json& f : scenario.at("figures")) {
    if (f.at("metric") == metric && f.at("value").is_number()) return f.at("value").get<double>();
  }
  ADD_FAILURE() << "no figure " << metric << " in " << scenario.dump();
  return NAN;
}

TEST(BenchFailoverTest, TheOtherInstanceTakesOverAndEveryLineIsInTheDatabaseOnce) {
  TempDir dir;
  TestDatabase database;
  const std::string catalog = dir.File("failover.yaml");
  std::ofstream(catalog) << kFailoverCatalog;
  const ProcessResult run =
      RunToExit({ROSEYD_BINARY, "bench", "--scenarios", catalog, "--suite", "f", "--out",
                 dir.File("report"), "--set", "bench.store_url=" + database.url()},
                dir.File("bench.log"), std::chrono::seconds(120));
  EXPECT_EQ(run.exit, 0) << run.output;
  EXPECT_NE(run.output.find("now writes to"), std::string::npos)
      << "the second instance logs that it took over:\n"
      << run.output;

  const json report = json::parse(FileText(dir.File("report/benchmark_results.json")));
  ASSERT_EQ(report.at("scenarios").size(), 1u);
  const json& s = report.at("scenarios")[0];
  EXPECT_EQ(s.at("status"), "PASS") << s.dump();
  EXPECT_GT(s.at("sent").get<uint64_t>(), 10'000u);
  EXPECT_EQ(s.at("persisted"), s.at("sent"));
  EXPECT_EQ(Figure(s, "lost"), 0);
  EXPECT_EQ(Figure(s, "duplicated"), 0);
  EXPECT_LT(Figure(s, "failover_ms"), 10'000);
  EXPECT_GT(Figure(s, "failover_ms"), 0);

  // The instances' schema is gone with everything they wrote.
  PgClient pg(database.url());
  EXPECT_EQ(pg.Int("SELECT COUNT(*) FROM pg_namespace WHERE nspname = 'roseyd_bench'"), 0);
}

TEST(BenchFailoverTest, WithoutAStoreUrlTheScenarioCannotRunAndSaysWhy) {
  TempDir dir;
  const std::string catalog = dir.File("failover.yaml");
  std::ofstream(catalog) << kFailoverCatalog;
  const ProcessResult run = RunToExit(
      {ROSEYD_BINARY, "bench", "--scenarios", catalog, "--suite", "f", "--out", dir.File("report")},
      dir.File("bench.log"));
  // P1: a scenario that could not run is reported, and the exit status is
  // left to the P0 scenarios (none here), as `roseyd bench --help` says.
  EXPECT_EQ(run.exit, 0) << run.output;
  const json report = json::parse(FileText(dir.File("report/benchmark_results.json")));
  ASSERT_EQ(report.at("scenarios").size(), 1u);
  const json& s = report.at("scenarios")[0];
  EXPECT_EQ(s.at("status"), "NOT RUN") << s.dump();
  EXPECT_NE(s.at("note").get<std::string>().find("needs bench.store_url"), std::string::npos)
      << s.dump();
}

}  // namespace
}  // namespace roseyd::testing
