#include "report/report_files.h"

#include <algorithm>
#include <cmath>
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

// The judged latency figures as lines on the percentile chart.
std::vector<LevelLine> LatencyTargets(const ScenarioResult& s) {
  std::vector<LevelLine> lines;
  for (const Figure& f : s.figures) {
    const auto suffix = f.metric.find("_latency_ms");
    if (!f.target || suffix == std::string::npos || *f.target <= 0) continue;
    std::ostringstream label;
    label << f.metric.substr(0, suffix) << " target " << *f.target << " ms";
    lines.push_back({*f.target, label.str()});
  }
  return lines;
}

// The idle level and the target over it, where the scenario measured both.
std::vector<LevelLine> CpuLevels(const ScenarioResult& s) {
  const Figure* idle = nullptr;
  const Figure* over = nullptr;
  for (const Figure& f : s.figures) {
    if (f.metric == "cpu_percent_idle") idle = &f;
    if (f.metric == "cpu_points_over_idle") over = &f;
  }
  std::vector<LevelLine> levels;
  if (idle == nullptr) return levels;
  std::ostringstream label;
  label << "idle " << std::round(idle->value * 10) / 10 << " %";
  levels.push_back({idle->value, label.str()});
  if (over != nullptr && over->target) {
    std::ostringstream target;
    target << "target: idle + " << *over->target << " points";
    levels.push_back({idle->value + *over->target, target.str()});
  }
  return levels;
}

double FigureValue(const ScenarioResult& s, const std::string& metric, double otherwise) {
  for (const Figure& f : s.figures) {
    if (f.metric == metric) return f.value;
  }
  return otherwise;
}

double ExtraValue(const ScenarioResult& s, const std::string& key) {
  const auto it = s.extra.find(key);
  return it == s.extra.end() ? 0 : it->second;
}

// The fit memory_stability recorded (its figures and extras).
RssFitLines RssFitOf(const ScenarioResult& s) {
  RssFitLines fit;
  fit.from_s = ExtraValue(s, "warmup_s");
  fit.center_s = ExtraValue(s, "rss_fit_center_s");
  fit.center_mib = ExtraValue(s, "rss_fit_center_mib");
  fit.slope_mib_per_hour = FigureValue(s, "rss_slope_mib_per_hour", 0);
  fit.low_mib_per_hour = FigureValue(s, "rss_slope_ci_low_mib_per_hour", -INFINITY);
  fit.high_mib_per_hour = FigureValue(s, "rss_slope_ci_high_mib_per_hour", INFINITY);
  return fit;
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
    const std::filesystem::path charts = dir / "charts";
    if (!series.empty()) {
      WriteFile(charts / (s.name + "-latency.svg"),
                PercentileChartSvg(s.name + ": latency by percentile", series, LatencyTargets(s)));
    }
    if (!s.timeline.empty()) {
      WriteFile(charts / (s.name + "-timeline.svg"),
                TimelineChartSvg(s.name + ": rates and RSS", s.timeline, s.markers,
                                 s.markers.size() >= 2));
    }
    if (!s.timeline.empty() && s.extra.count("rss_fit_center_mib") > 0) {
      WriteFile(charts / (s.name + "-rss.svg"),
                RssFitChartSvg(s.name + ": RssAnon and its least-squares slope", s.timeline,
                               RssFitOf(s)));
    }
    if (std::any_of(s.timeline.begin(), s.timeline.end(),
                    [](const TimelinePoint& p) { return p.cpu_percent > 0; })) {
      WriteFile(charts / (s.name + "-cpu.svg"),
                CpuChartSvg(s.name + ": service CPU", s.timeline, CpuLevels(s)));
    }
    if (!s.steps.empty()) {
      const auto target = s.extra.find("p99_target_ms");
      WriteFile(charts / (s.name + "-capacity.svg"),
                CapacityChartSvg(s.name + ": latency at each offered rate", s.steps,
                                 target == s.extra.end() ? 10 : target->second));
    }
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
