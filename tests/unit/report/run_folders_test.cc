#include "report/run_folders.h"

#include <chrono>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "unit/report/sample_report.h"

namespace roseyd::report {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

system_clock::time_point At(int seconds) {
  return system_clock::from_time_t(1796000000 + seconds);  // 2026-11-30T00:53:20Z
}

TEST(RunFoldersTest, EachRunGetsAFolderNamedForItsStartAndNeverAnotherRunsFolder) {
  testing::TempDir dir;
  const fs::path first = NewRunFolder(dir.path(), At(0));
  EXPECT_EQ(first.filename(), "2026-11-30T00-53-20Z");
  const fs::path same_second = NewRunFolder(dir.path(), At(0));
  EXPECT_EQ(same_second.filename(), "2026-11-30T00-53-20Z-2");
  const fs::path later = NewRunFolder(dir.path(), At(5));
  EXPECT_EQ(RunFolders(dir.path()), (std::vector<fs::path>{first, same_second, later}));
}

TEST(RunFoldersTest, LatestFollowsTheNewestRun) {
  testing::TempDir dir;
  const fs::path a = NewRunFolder(dir.path(), At(0));
  const fs::path b = NewRunFolder(dir.path(), At(1));
  EXPECT_FALSE(LatestReportJson(dir.path()).has_value());
  LinkLatest(dir.path(), a);
  std::ofstream(b / "benchmark_results.json") << "{}";
  EXPECT_FALSE(LatestReportJson(dir.path()).has_value()) << "a has no report";
  LinkLatest(dir.path(), b);
  EXPECT_TRUE(fs::is_symlink(dir.File("latest")));
  EXPECT_EQ(fs::read_symlink(dir.File("latest")), b.filename()) << "relative: the root may move";
  ASSERT_TRUE(LatestReportJson(dir.path()).has_value());
  EXPECT_EQ(fs::canonical(*LatestReportJson(dir.path())), fs::canonical(b / "benchmark_results.json"));
}

TEST(RunFoldersTest, PruningKeepsTheNewestAndTouchesNothingButRunFolders) {
  testing::TempDir dir;
  std::vector<fs::path> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(NewRunFolder(dir.path(), At(i * 60)));
  fs::create_directories(dir.File("scratch"));          // the benchmark's scratch folder
  fs::create_directories(dir.File("2026-my-notes"));     // not a run's name
  std::ofstream(dir.File("BENCHMARK_RESULTS.md")) << "an old report";
  LinkLatest(dir.path(), runs.back());
  const std::vector<fs::path> removed = PruneRunFolders(dir.path(), 2);
  EXPECT_EQ(removed, (std::vector<fs::path>{runs[0], runs[1], runs[2]}));
  EXPECT_EQ(RunFolders(dir.path()), (std::vector<fs::path>{runs[3], runs[4]}));
  EXPECT_TRUE(fs::exists(dir.File("scratch")));
  EXPECT_TRUE(fs::exists(dir.File("2026-my-notes")));
  EXPECT_TRUE(fs::exists(dir.File("BENCHMARK_RESULTS.md")));
  EXPECT_TRUE(fs::exists(dir.File("latest")));
  EXPECT_EQ(PruneRunFolders(dir.path(), 0).size(), 1u) << "the newest is always kept";
  EXPECT_EQ(RunFolders(dir.path()), (std::vector<fs::path>{runs[4]}));
}

TEST(RunFoldersTest, WriteRunReportWritesLinksAndPrunes) {
  testing::TempDir dir;
  RunReport report = SampleReport();
  std::vector<std::string> problems;
  fs::path last;
  for (int i = 0; i < 3; ++i) last = WriteRunReport(report, dir.path(), 2, &problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(last.filename(), "2026-11-22T18-00-00Z-3");  // named for report.started_utc
  EXPECT_EQ(RunFolders(dir.path()).size(), 2u);
  EXPECT_THAT(ReadText(dir.File("latest/BENCHMARK_RESULTS.md")), ::testing::HasSubstr("# roseyd benchmark results"));
}

}  // namespace
}  // namespace roseyd::report
