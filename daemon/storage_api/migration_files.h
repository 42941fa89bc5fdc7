#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace roseyd::storage_api {

// A plugin's migration file, parsed (migration_manager.py, migration.py).
struct Migration {
  int version = 0;       // 1..999, from NNN_
  std::string name;      // the [a-z0-9_]+ part
  std::string filename;  // NNN_name.sql
  std::string up_sql;    // the -- UP section, stripped
  std::string down_sql;  // the -- DOWN section, stripped
  std::string checksum;  // SHA-256 hex of the text

  bool operator==(const Migration&) const = default;
};

// Whether `plugin` may become a directory name: ^[A-Za-z0-9_-]+$. Checked
// before any path is built (the original joined the subject token into a
// path unchecked).
bool IsSafePluginName(std::string_view plugin);

// Whether `filename` is a migration's: ^(\d{3})_([a-z0-9_]+)\.sql$ (ASCII
// digits; Python's \d and $ would also take other digits and a final "\n").
bool IsMigrationFilename(std::string_view filename);

// Parses one file. `text` is the file's bytes; like Python's read_text it
// must be UTF-8 and its "\r\n" and "\r" line ends count as "\n" (for the
// checksum too). The sections are found by lines that read "-- UP" and
// "-- DOWN" once stripped and upper-cased (the last of each counts). On
// failure returns the original's ValueError text ("Migration <f> missing
// '-- UP' marker", "... has empty UP section", "Migration version must be
// >= 1, got 0", ...).
// REQUIRES: IsMigrationFilename(filename).
std::variant<Migration, std::string> ParseMigration(std::string_view filename,
                                                    std::string_view text);

// Every migration of a plugin, by version: the files of
// <plugins_dir>/<plugin>/migrations/ whose names match, others skipped. No
// such directory, or a plugin name IsSafePluginName refuses: none, and
// `why_none` says which. A duplicate version, a file that cannot be read or
// parsed: `error` is set (the original raised, and apply answered
// INTERNAL_ERROR).
struct MigrationDiscovery {
  std::vector<Migration> migrations;
  std::optional<std::string> error;
  // With no migrations, why, for the "reason" of apply's reply: no such
  // directory, no file in it, or (StorageContext) service.plugins_dir unset.
  // Names no path beyond the plugin's own folder: the reply goes to a plugin.
  std::string why_none;
};
MigrationDiscovery DiscoverMigrations(const std::filesystem::path& plugins_dir,
                                      std::string_view plugin);

}  // namespace roseyd::storage_api
