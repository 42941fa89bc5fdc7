#include "storage_api/migration_files.h"

#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

#include "storage_api/sha256.h"
#include "storage_api/utf8.h"

namespace roseyd::storage_api {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Python's universal newlines: "\r\n" and "\r" read as "\n".
std::string NormalizeNewlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return lines;
    start = end + 1;
  }
}

std::string Join(const std::vector<std::string_view>& lines, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end && i < lines.size(); ++i) {
    if (i > begin) out.push_back('\n');
    out.append(lines[i]);
  }
  return out;
}

std::string UpperAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace

bool IsSafePluginName(std::string_view plugin) {
  if (plugin.empty()) return false;
  return std::all_of(plugin.begin(), plugin.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '-';
  });
}

bool IsMigrationFilename(std::string_view filename) {
  constexpr std::string_view kSuffix = ".sql";
  if (filename.size() < 3 + 1 + 1 + kSuffix.size()) return false;
  if (!IsDigit(filename[0]) || !IsDigit(filename[1]) || !IsDigit(filename[2])) return false;
  if (filename[3] != '_' || filename.substr(filename.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  const std::string_view name = filename.substr(4, filename.size() - 4 - kSuffix.size());
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_';
  });
}

std::variant<Migration, std::string> ParseMigration(std::string_view filename,
                                                    std::string_view text) {
  const std::string content = NormalizeNewlines(text);
  const std::vector<std::string_view> lines = SplitLines(content);
  std::optional<size_t> up_start, down_start;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string marker = UpperAscii(PyStrip(lines[i]));
    if (marker == "-- UP") {
      up_start = i + 1;
    } else if (marker == "-- DOWN") {
      down_start = i + 1;
    }
  }
  const std::string file(filename);
  if (!up_start) return "Migration " + file + " missing '-- UP' marker";
  if (!down_start) return "Migration " + file + " missing '-- DOWN' marker";
  if (*up_start >= *down_start) {
    return "Migration " + file + " has '-- DOWN' before '-- UP' (UP at line " +
           std::to_string(*up_start) + ", DOWN at line " + std::to_string(*down_start) + ")";
  }
  Migration migration;
  migration.version = (filename[0] - '0') * 100 + (filename[1] - '0') * 10 + (filename[2] - '0');
  migration.name = std::string(filename.substr(4, filename.size() - 8));
  migration.filename = file;
  migration.up_sql = std::string(PyStrip(Join(lines, *up_start, *down_start - 1)));
  migration.down_sql = std::string(PyStrip(Join(lines, *down_start, lines.size())));
  migration.checksum = Sha256Hex(content);
  if (migration.version < 1) {
    return "Migration version must be >= 1, got " + std::to_string(migration.version);
  }
  if (migration.up_sql.empty()) return "Migration " + file + " has empty UP section";
  if (migration.down_sql.empty()) return "Migration " + file + " has empty DOWN section";
  return migration;
}

MigrationDiscovery DiscoverMigrations(const std::filesystem::path& plugins_dir,
                                      std::string_view plugin) {
  MigrationDiscovery result;
  if (!IsSafePluginName(plugin)) {
    result.why_none = "the plugin name is not ^[A-Za-z0-9_-]+$, so it has no migrations directory";
    return result;
  }
  const std::string folder = std::string(plugin) + "/migrations";
  const std::filesystem::path dir = plugins_dir / folder;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    result.why_none = "service.plugins_dir has no " + folder + " directory";
    return result;
  }
  std::vector<std::string> names;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (IsMigrationFilename(name)) names.push_back(std::move(name));
  }
  if (ec) {
    result.error = "Cannot list " + dir.string() + ": " + ec.message();
    return result;
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const int version = std::stoi(name.substr(0, 3));
    for (const Migration& seen : result.migrations) {
      if (seen.version == version) {
        result.error = "Duplicate migration version " + std::to_string(version) +
                       " found in plugin '" + std::string(plugin) + "'";
        return result;
      }
    }
    std::ifstream file(dir / name, std::ios::binary);
    std::ostringstream bytes;
    bytes << file.rdbuf();
    const std::string text = bytes.str();
    if (!file || !std::filesystem::is_regular_file(dir / name, ec)) {
      result.error = "Cannot read migration file " + (dir / name).string();
      return result;
    }
    if (!simdjson::validate_utf8(text.data(), text.size())) {
      result.error = "Migration file " + name + " is not valid UTF-8";
      return result;
    }
    auto parsed = ParseMigration(name, text);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      result.error = std::move(*error);
      return result;
    }
    result.migrations.push_back(std::move(std::get<Migration>(parsed)));
  }
  if (result.migrations.empty()) {
    result.why_none = "no NNN_name.sql file in service.plugins_dir's " + folder;
  }
  return result;
}

}  // namespace roseyd::storage_api
