#include "report/run_folders.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "report/report_files.h"

namespace roseyd::report {

namespace {

namespace fs = std::filesystem;

constexpr char kLatest[] = "latest";
constexpr size_t kStampLength = 20;  // 2026-12-01T10-22-03Z

// Whether `name` is a run folder's: a stamp, optionally "-<n>". Its order
// key is the stamp and n (1 without a suffix).
bool ParseRunName(const std::string& name, std::pair<std::string, int>* key) {
  if (name.size() < kStampLength) return false;
  const std::string stamp = name.substr(0, kStampLength);
  for (size_t i = 0; i < stamp.size(); ++i) {
    const char c = stamp[i];
    const bool digit = std::isdigit(static_cast<unsigned char>(c)) != 0;
    const bool ok = (i == 4 || i == 7 || i == 13 || i == 16) ? c == '-'
                    : i == 10                               ? c == 'T'
                    : i == 19                               ? c == 'Z'
                                                            : digit;
    if (!ok) return false;
  }
  int n = 1;
  if (name.size() > kStampLength) {
    const std::string suffix = name.substr(kStampLength);
    if (suffix.size() < 2 || suffix[0] != '-' || suffix.size() > 7 ||
        !std::all_of(suffix.begin() + 1, suffix.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
      return false;
    }
    n = std::stoi(suffix.substr(1));
  }
  *key = {stamp, n};
  return true;
}

std::string Stamp(std::chrono::system_clock::time_point t) {
  const std::time_t time = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&time, &utc);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H-%M-%SZ", &utc);
  return buf;
}

// report.started_utc ("2026-12-01T10:22:03Z") as a time; now when unreadable.
std::chrono::system_clock::time_point StartOf(const RunReport& report) {
  std::tm tm{};
  const char* end = strptime(report.started_utc.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::chrono::system_clock::now();
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

fs::path NewRunFolder(const fs::path& root, std::chrono::system_clock::time_point started) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) throw std::runtime_error("cannot create " + root.string() + ": " + ec.message());
  const std::string stamp = Stamp(started);
  for (int n = 1; n < 1000; ++n) {
    fs::path run = root / (n == 1 ? stamp : stamp + "-" + std::to_string(n));
    // create_directory is false for a folder that exists: never reuse one.
    if (fs::create_directory(run, ec)) return run;
    if (ec) throw std::runtime_error("cannot create " + run.string() + ": " + ec.message());
  }
  throw std::runtime_error("cannot create a run folder for " + stamp + " in " + root.string() +
                           ": every name is taken");
}

void LinkLatest(const fs::path& root, const fs::path& run) {
  const fs::path link = root / kLatest;
  const fs::path temp = root / (std::string(kLatest) + ".new");
  std::error_code ec;
  fs::remove(temp, ec);
  fs::create_directory_symlink(run.filename(), temp, ec);
  if (!ec) fs::rename(temp, link, ec);  // rename(2) replaces the old link at once
  if (ec) {
    throw std::runtime_error("cannot point " + link.string() + " at " + run.string() + ": " +
                             ec.message());
  }
}

std::vector<fs::path> RunFolders(const fs::path& root) {
  std::vector<std::pair<std::pair<std::string, int>, fs::path>> runs;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::pair<std::string, int> key;
    if (it->is_directory(ec) && !it->is_symlink(ec) &&
        ParseRunName(it->path().filename().string(), &key)) {
      runs.emplace_back(key, it->path());
    }
  }
  std::sort(runs.begin(), runs.end());
  std::vector<fs::path> out;
  out.reserve(runs.size());
  for (auto& [key, path] : runs) out.push_back(std::move(path));
  return out;
}

std::vector<fs::path> PruneRunFolders(const fs::path& root, size_t keep,
                                      std::vector<std::string>* problems) {
  keep = std::max<size_t>(keep, 1);
  const std::vector<fs::path> runs = RunFolders(root);
  std::vector<fs::path> removed;
  for (size_t i = 0; i + keep < runs.size(); ++i) {
    std::error_code ec;
    fs::remove_all(runs[i], ec);
    if (ec) {
      if (problems) problems->push_back("cannot remove " + runs[i].string() + ": " + ec.message());
      continue;
    }
    removed.push_back(runs[i]);
  }
  return removed;
}

std::optional<fs::path> LatestReportJson(const fs::path& root) {
  const fs::path file = root / kLatest / "benchmark_results.json";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

fs::path WriteRunReport(const RunReport& report, const fs::path& root, size_t keep,
                        std::vector<std::string>* problems) {
  fs::path run = NewRunFolder(root, StartOf(report));
  WriteReport(report, run);
  LinkLatest(root, run);
  PruneRunFolders(root, keep, problems);
  return run;
}

}  // namespace roseyd::report
