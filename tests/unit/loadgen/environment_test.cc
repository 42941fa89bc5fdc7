#include "loadgen/environment.h"

#include <regex>

#include <gtest/gtest.h>

namespace roseyd::loadgen {
namespace {

// What a report's reader needs of each field, not the function it came from.
TEST(DescribeEnvironmentTest, NamesThisBuildItsSqliteAndTheConfigGiven) {
  const report::Environment e = DescribeEnvironment("data_dir: \"x\"\n");
  EXPECT_EQ(e.config_yaml, "data_dir: \"x\"\n");
  EXPECT_TRUE(std::regex_match(e.sqlite_version, std::regex(R"(3\.\d+\.\d+)"))) << e.sqlite_version;
  EXPECT_FALSE(e.roseyd_version.empty());
  EXPECT_TRUE(std::regex_search(e.compiler, std::regex(R"([A-Za-z]+ \d+\.\d+)")))
      << e.compiler;
  EXPECT_GT(e.cores, 0);
  EXPECT_GT(e.ram_bytes, 0u);
  EXPECT_FALSE(e.kernel.empty());
  EXPECT_FALSE(e.nats_server_version.empty());  // the version, or "unknown"
}

}  // namespace
}  // namespace roseyd::loadgen
