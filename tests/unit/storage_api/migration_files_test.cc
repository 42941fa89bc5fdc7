// Migration files on disk, their sections, statements and the validator.
// Expected values were produced by the original's MigrationManager,
// _split_sql_statements and MigrationValidator under python3.
#include "storage_api/migration_files.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <variant>

#include "storage_api/migration_check.h"
#include "support/temp_dir.h"

namespace roseyd::storage_api {
namespace {

std::string ParseError(const std::string& text) {
  auto parsed = ParseMigration("002_b.sql", text);
  if (auto* error = std::get_if<std::string>(&parsed)) return *error;
  return "parsed";
}

TEST(MigrationNamesTest, PluginAndFileNames) {
  EXPECT_TRUE(IsSafePluginName("quote-db"));
  EXPECT_TRUE(IsSafePluginName("Trivia_2"));
  for (const char* bad : {"", "..", "a/b", "a.b", "a b", "q\xc3\xa9"}) {
    EXPECT_FALSE(IsSafePluginName(bad)) << bad;
  }
  EXPECT_TRUE(IsMigrationFilename("001_create_quotes.sql"));
  for (const char* bad : {"01_x.sql", "001-x.sql", "001_X.sql", "001_.sql", "001_x.SQL",
                          "001_x.sql.bak", "abc_x.sql", "001_x-y.sql"}) {
    EXPECT_FALSE(IsMigrationFilename(bad)) << bad;
  }
}

TEST(ParseMigrationTest, SectionsAndChecksumOfUniversalNewlines) {
  auto parsed = ParseMigration(
      "001_t.sql",
      "-- header\r\n-- up \r\nCREATE TABLE t (a INT);\r\n\r\n-- Down\r\nDROP TABLE t;\r\n");
  ASSERT_TRUE(std::holds_alternative<Migration>(parsed));
  EXPECT_EQ(std::get<Migration>(parsed),
            (Migration{1, "t", "001_t.sql", "CREATE TABLE t (a INT);", "DROP TABLE t;",
                       "37e89ed2c895fc9a2b7791a73fdcca7088c2d5bb4900dde81765ad271be33270"}));
}

TEST(ParseMigrationTest, Errors) {
  EXPECT_EQ(ParseError("CREATE TABLE t;\n-- DOWN\nx"),
            "Migration 002_b.sql missing '-- UP' marker");
  EXPECT_EQ(ParseError("-- UP\nx"), "Migration 002_b.sql missing '-- DOWN' marker");
  EXPECT_EQ(ParseError("-- DOWN\nx\n-- UP\ny"),
            "Migration 002_b.sql has '-- DOWN' before '-- UP' (UP at line 3, DOWN at line 1)");
  EXPECT_EQ(ParseError("-- UP\n  \n-- DOWN\nx"), "Migration 002_b.sql has empty UP section");
  EXPECT_EQ(ParseError("-- UP\nx\n-- DOWN\n\n"), "Migration 002_b.sql has empty DOWN section");
  EXPECT_EQ(ParseError("-- UP\na\n-- DOWN\nb\n-- UP\nc"),
            "Migration 002_b.sql has '-- DOWN' before '-- UP' (UP at line 5, DOWN at line 3)");
  auto zero = ParseMigration("000_zero.sql", "-- UP\na\n-- DOWN\nb");
  EXPECT_EQ(std::get<std::string>(zero), "Migration version must be >= 1, got 0");
}

class DiscoverTest : public ::testing::Test {
 protected:
  void Write(const std::string& plugin, const std::string& name, const std::string& text) {
    const std::filesystem::path dir = std::filesystem::path(dir_.path()) / plugin / "migrations";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << text;
  }
  MigrationDiscovery Discover(const std::string& plugin) {
    return DiscoverMigrations(dir_.path(), plugin);
  }

  testing::TempDir dir_;
};

TEST_F(DiscoverTest, FindsMatchingFilesInVersionOrder) {
  Write("p", "002_second.sql", "-- UP\nB\n-- DOWN\nb");
  Write("p", "001_first.sql", "-- UP\nA\n-- DOWN\na");
  Write("p", "README.md", "x");
  Write("p", "003_Bad.sql", "x");
  const MigrationDiscovery found = Discover("p");
  EXPECT_FALSE(found.error);
  ASSERT_EQ(found.migrations.size(), 2u);
  EXPECT_EQ(found.migrations[0].name, "first");
  EXPECT_EQ(found.migrations[1].version, 2);
}

TEST_F(DiscoverTest, NoDirectoryOrUnsafeNameMeansNone) {
  EXPECT_TRUE(Discover("absent").migrations.empty());
  EXPECT_FALSE(Discover("absent").error);
  Write("p", "001_first.sql", "-- UP\nA\n-- DOWN\na");
  const std::string escape = "../" + std::filesystem::path(dir_.path()).filename().string() + "/p";
  EXPECT_TRUE(Discover(escape).migrations.empty());
}

// Why a plugin has no migrations, for the reply's "reason": nothing names a
// path above the plugin's own folder (the reply goes to the plugin).
TEST_F(DiscoverTest, SaysWhyThereAreNone) {
  EXPECT_EQ(Discover("absent").why_none, "service.plugins_dir has no absent/migrations directory");
  Write("p", "README.md", "x");
  EXPECT_EQ(Discover("p").why_none, "no NNN_name.sql file in service.plugins_dir's p/migrations");
  EXPECT_EQ(Discover("a.b").why_none,
            "the plugin name is not ^[A-Za-z0-9_-]+$, so it has no migrations directory");
  Write("p", "001_first.sql", "-- UP\nA\n-- DOWN\na");
  EXPECT_EQ(Discover("p").why_none, "");
  EXPECT_EQ(Discover("absent").why_none.find(dir_.path()), std::string::npos);
}

TEST_F(DiscoverTest, DuplicateVersionAndBadFilesAreErrors) {
  Write("p", "001_a.sql", "-- UP\nA\n-- DOWN\na");
  Write("p", "001_b.sql", "-- UP\nB\n-- DOWN\nb");
  EXPECT_EQ(Discover("p").error, "Duplicate migration version 1 found in plugin 'p'");
  Write("q", "001_a.sql", "-- UP\nA\n");
  EXPECT_EQ(Discover("q").error, "Migration 001_a.sql missing '-- DOWN' marker");
  Write("r", "001_a.sql", "-- UP\n\xff\n-- DOWN\na");
  EXPECT_TRUE(Discover("r").error);
}

TEST(SplitStatementsTest, MatchesTheOriginal) {
  EXPECT_EQ(
      SplitStatements(
          "INSERT INTO t VALUES ('x;y');\n-- c;\nSELECT 1; -- trailing\nSELECT \"q;\";"),
      (std::vector<std::string>{"INSERT INTO t VALUES ('x;y')", "SELECT 1", "SELECT \"q;\""}));
  EXPECT_EQ(SplitStatements("SELECT 'a\\';b';\nSELECT 2"),
            (std::vector<std::string>{"SELECT 'a\\';b'", "SELECT 2"}));
  // A line starting with -- is dropped even inside a string, as there.
  EXPECT_EQ(SplitStatements("INSERT INTO t VALUES ('line1\n-- not a comment\nline3');"),
            (std::vector<std::string>{"INSERT INTO t VALUES ('line1\nline3')"}));
  EXPECT_EQ(
      SplitStatements("CREATE TABLE t (\n  a INT,\n\n  b TEXT -- note\n);\nCREATE INDEX i ON t(a)"),
      (std::vector<std::string>{"CREATE TABLE t (\n  a INT,\n\n  b TEXT -- note\n)",
                                "CREATE INDEX i ON t(a)"}));
}

TEST(SplitStatementsTest, RoseydSplitsEveryStatementOfALine) {
  // The original: ["a", "b; c"] and ["CREATE TABLE x (a INT)", "CREATE TABLE y (b INT);"].
  EXPECT_EQ(SplitStatements("a; b; c"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(SplitStatements("CREATE TABLE x (a INT);CREATE TABLE y (b INT);"),
            (std::vector<std::string>{"CREATE TABLE x (a INT)", "CREATE TABLE y (b INT)"}));
  EXPECT_EQ(SplitStatements("  -- only\n\n;;\n"), std::vector<std::string>{});
}

std::vector<std::string> Findings(const std::string& up) {
  std::vector<std::string> found;
  for (const ValidationWarning& w : ValidateMigration({4, "x", "004_x.sql", up, "x", ""})) {
    EXPECT_EQ(w.migration_version, 4);
    EXPECT_EQ(w.migration_name, "x");
    found.push_back(w.level + "/" + w.category + ": " + w.message);
  }
  return found;
}

TEST(ValidateMigrationTest, MatchesTheOriginal) {
  EXPECT_EQ(
      Findings("ALTER TABLE t DROP   COLUMN c; -- DROP TABLE in a comment\nTRUNCATE\tTABLE t"),
      (std::vector<std::string>{
          "WARNING/destructive: Migration drops column (potential data loss). Ensure column "
          "data is no longer needed or backed up.",
          "WARNING/destructive: Migration drops table (all table data will be deleted). "
          "Ensure data is backed up or no longer needed.",
          "WARNING/destructive: Migration truncates table (all rows will be deleted). Ensure "
          "data is backed up or no longer needed.",
          "ERROR/sqlite: SQLite does not support DROP COLUMN directly. Use table recreation "
          "pattern: CREATE temp table, INSERT data (excluding column), DROP old table, "
          "RENAME temp table."}));
  EXPECT_EQ(Findings("alter table t alter column c; ADD CONSTRAINT x"),
            (std::vector<std::string>{
                "ERROR/sqlite: SQLite does not support ALTER COLUMN directly. Use table "
                "recreation pattern with modified schema.",
                "ERROR/sqlite: SQLite does not support ADD CONSTRAINT directly. Define "
                "constraints in initial CREATE TABLE or use table recreation."}));
  EXPECT_EQ(Findings("SELECT ((1); -- (\nSELECT 'it''s' /* ' ( */"),
            (std::vector<std::string>{"ERROR/syntax: Unmatched parentheses: 2 open, 1 close"}));
  EXPECT_EQ(Findings("DROPCOLUMN; xDROP COLUMN; DROP COLUMNS"), std::vector<std::string>{});
  EXPECT_EQ(Findings("SELECT '--'"),
            (std::vector<std::string>{
                "ERROR/syntax: Unterminated string (odd number of single quotes: 1)"}));
}

TEST(VerifyChecksumTest, MismatchNamesBothPrefixes) {
  const Migration m{3, "x", "003_x.sql", "a", "b", "abcdef0123456789"};
  EXPECT_TRUE(VerifyChecksum(m, "abcdef0123456789").empty());
  const auto found = VerifyChecksum(m, "0011223344556677");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], (ValidationWarning{"ERROR",
                                         "Migration file has been modified (checksum mismatch). "
                                         "Expected: 00112233..., Got: abcdef01...",
                                         3, "x", "checksum"}));
}

}  // namespace
}  // namespace roseyd::storage_api
