#include "loadgen/environment.h"

#include <gtest/gtest.h>

#include "base/build_info.h"
#include "store/sqlite/bench_counts.h"

namespace roseyd::loadgen {
namespace {

TEST(DescribeEnvironmentTest, NamesThisBuildItsSqliteAndTheConfigGiven) {
  const report::Environment e = DescribeEnvironment("data_dir: \"x\"\n");
  EXPECT_EQ(e.config_yaml, "data_dir: \"x\"\n");
  EXPECT_EQ(e.sqlite_version, store::SqliteVersion());
  EXPECT_EQ(e.roseyd_version, GetBuildInfo().version);
  EXPECT_EQ(e.compiler, GetBuildInfo().compiler);
  EXPECT_GT(e.cores, 0);
  EXPECT_GT(e.ram_bytes, 0u);
  EXPECT_FALSE(e.kernel.empty());
  EXPECT_FALSE(e.nats_server_version.empty());  // the version, or "unknown"
}

}  // namespace
}  // namespace roseyd::loadgen
