#include "report/report_files.h"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "report/markdown.h"
#include "report/report_json.h"
#include "report/svg_chart.h"

namespace roseyd::report {

namespace {

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

void WriteReport(const RunReport& report, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "charts", ec);
  if (ec) throw std::runtime_error("cannot create " + (dir / "charts").string() + ": " + ec.message());
  WriteFile(dir / "BENCHMARK_RESULTS.md", FormatReportMarkdown(report));
  WriteFile(dir / "benchmark_results.json", FormatReportJson(report));
  for (const ScenarioResult& s : report.scenarios) {
    std::vector<LatencySeries> series;
    if (s.event_latency && s.event_latency->summary.n > 0) series.push_back({"event (intended send to commit)", s.event_latency->buckets});
    if (s.request_latency && s.request_latency->summary.n > 0) series.push_back({"request (intended send to reply)", s.request_latency->buckets});
    if (!series.empty()) WriteFile(dir / "charts" / (s.name + "-latency.svg"), PercentileChartSvg(s.name + ": latency by percentile", series));
    if (!s.timeline.empty()) WriteFile(dir / "charts" / (s.name + "-timeline.svg"), TimelineChartSvg(s.name + ": rates and RSS", s.timeline));
  }
}

RunReport ReadReportJson(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseReportJson(text.str(), file.string());
}

}  // namespace roseyd::report
