// roseyd bench --compare, end to end: two binaries (here the same one, and
// one made slower by the validation shim) run interleaved, and the
// comparison's files carry what the issue asks of them.

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/bench_world.h"
#include "support/temp_dir.h"

namespace roseyd::testing {
namespace {

using nlohmann::json;

// Small: a cost scenario counted in one round, and a short burst in every
// round (too few rounds to judge it: it must come out disturbed).
const char kCatalog[] = R"(
suites: {ab: [cost_events, burst]}
scenarios:
  - {name: cost_events, kind: cost, category: cpu, priority: P2, description: events,
     workload: events, store: sqlite, events: 2000}
  - {name: burst, kind: burst, category: throughput, priority: P2, description: a burst,
     events: 2000, publishers: 1,
     targets: [{metric: all_persisted_s, at_most: 10}, {metric: lost, at_most: 0}]}
)";

json Read(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

const json& FigureOf(const json& comparison, const std::string& metric) {
  for (const json& f : comparison.at("figures")) {
    if (f.at("metric") == metric) return f;
  }
  throw std::runtime_error("no figure " + metric + " in " + comparison.dump());
}

TEST(BenchCompareTest, OneBinaryAgainstItselfIsTheSameAndAShimmedCopyIsSlower) {
  TempDir dir;
  const std::string catalog = dir.File("ab.yaml");
  std::ofstream(catalog) << kCatalog;
  const ProcessResult same =
      RunToExit({ROSEYD_BINARY, "bench", "--compare", ROSEYD_BINARY, "--scenarios", catalog,
                 "--suite", "ab", "--rounds", "2", "--cost-rounds", "1", "--out", dir.File("aa")},
                dir.File("aa.log"), std::chrono::seconds(240));
  EXPECT_EQ(same.exit, 0) << same.output;
  const json aa = Read(dir.File("aa/comparison.json"));
  EXPECT_EQ(FigureOf(aa, "instructions_per_event").at("verdict"), "same");
  EXPECT_EQ(FigureOf(aa, "all_persisted_s").at("verdict"), "disturbed");  // 2 rounds
  ASSERT_EQ(aa.at("runs").size(), 6u);  // one cost round, two timed
  EXPECT_EQ(aa.at("runs")[0].at("phase"), "cost");
  EXPECT_EQ(aa.at("runs")[2].at("role"), "base");  // timed round 1 starts with the base
  EXPECT_EQ(aa.at("runs")[4].at("role"), "candidate");  // round 2 with the candidate
  // No bot beside a comparison: the timed runs leave the bot probe off.
  const json timed = Read(aa.at("runs")[2].at("out_dir").get<std::string>() +
                          "/benchmark_results.json");
  EXPECT_TRUE(timed.at("bot_service").is_null()) << timed.at("bot_service").dump();
  std::ifstream md(dir.File("aa/COMPARISON.md"));
  EXPECT_TRUE(md.good());

  // 15 % more instructions an event in every sqlite3_step: slower, past a
  // 10 % tolerance, so the exit status is 1.
  const std::string slow = dir.File("slow.sh");
  std::ofstream(slow) << "#!/bin/sh\nLD_PRELOAD=" << SLOWDOWN_SHIM
                      << " SLOWDOWN_SHIM_SPINS=300 exec " << ROSEYD_BINARY << " \"$@\"\n";
  std::filesystem::permissions(slow, std::filesystem::perms::owner_all);
  const ProcessResult slower = RunToExit(
      {ROSEYD_BINARY, "bench", "--compare", ROSEYD_BINARY, "--candidate", slow, "--scenarios",
       catalog, "--suite", "ab", "--scenario", "cost_events", "--out", dir.File("slower")},
      dir.File("slower.log"), std::chrono::seconds(240));
  EXPECT_EQ(slower.exit, 1) << slower.output;
  const json s = Read(dir.File("slower/comparison.json"));
  const json& cost = FigureOf(s, "instructions_per_event");
  EXPECT_EQ(cost.at("verdict"), "slower");
  EXPECT_GT(cost.at("ratio").get<double>(), 1.10);
  EXPECT_TRUE(cost.at("slower_beyond_tolerance").get<bool>());
}

TEST(BenchCompareTest, AnOtherThatIsNoExecutableCannotCompare) {
  TempDir dir;
  const ProcessResult run = RunToExit(
      {ROSEYD_BINARY, "bench", "--compare", dir.File("nothing-here"), "--out", dir.File("x")},
      dir.File("x.log"), std::chrono::seconds(30));
  EXPECT_EQ(run.exit, 2);
  EXPECT_NE(run.output.find("is not an executable"), std::string::npos) << run.output;
  const ProcessResult misuse =
      RunToExit({ROSEYD_BINARY, "bench", "--rounds", "3"}, dir.File("y.log"), std::chrono::seconds(30));
  EXPECT_EQ(misuse.exit, 2);
  EXPECT_NE(misuse.output.find("go with --compare"), std::string::npos) << misuse.output;
}

}  // namespace
}  // namespace roseyd::testing
