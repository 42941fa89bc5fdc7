#include "report/markdown.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "report/exit_status.h"

namespace roseyd::report {

namespace {

// Numbers as people read them: 3 significant digits, no exponent for
// everyday magnitudes, "inf" for the unmeasurable.
std::string Num(double v) {
  if (std::isinf(v)) return "inf";
  if (std::isnan(v)) return "nan";
  std::ostringstream s;
  const double a = std::fabs(v);
  if (a >= 1000 || a == std::floor(a)) {
    s << std::fixed << std::setprecision(a == std::floor(a) ? 0 : 1) << v;
  } else {
    s << std::setprecision(3) << v;
  }
  return s.str();
}

std::string StatsTable(const char* what, const LatencyResult& l) {
  const LatencySummary& s = l.summary;
  std::ostringstream md;
  md << "| " << what << " | n | mean | median | p90 | p95 | p99 | p99.9 | max | stddev |\n"
     << "|---|---|---|---|---|---|---|---|---|---|\n"
     << "| ms | " << s.n << " | " << Num(s.mean_ms) << " | " << Num(s.median_ms) << " | "
     << Num(s.p90_ms) << " | " << Num(s.p95_ms) << " | " << Num(s.p99_ms) << " | "
     << Num(s.p999_ms) << " | " << Num(s.max_ms) << " | " << Num(s.stddev_ms) << " |\n\n";
  return md.str();
}

// "<= 5" or ">= 100": a judged figure's target as the tables show it.
std::string TargetText(const Figure& f) {
  return std::string(f.comparison == Comparison::kAtMost ? "<= " : ">= ") + Num(*f.target);
}

void ExecutiveSummary(const RunReport& r, std::ostringstream& md) {
  const Environment& e = r.environment;
  std::map<Verdict, int> counts;
  for (const auto& s : r.scenarios) ++counts[s.status];
  const int exit = ExitStatus(r);
  md << "# roseyd benchmark results\n\n## 1. Executive summary\n\n"
     << "- Date: " << r.started_utc << "\n"
     << "- roseyd " << e.roseyd_version << " (revision " << e.roseyd_revision << ")\n"
     << "- Suite: " << r.suite << ", " << r.scenarios.size() << " scenarios in "
     << Num(r.duration_s) << " s against " << r.target << "\n"
     << "- PASS " << counts[Verdict::kPass] << ", WARN " << counts[Verdict::kWarn] << ", FAIL "
     << counts[Verdict::kFail] << ", NOT RUN " << counts[Verdict::kNotRun] << "\n"
     << "- Result: "
     << (exit == 0 ? "every P0 scenario passed" : exit == 1 ? "a P0 scenario failed or a figure regressed"
                                                           : "a P0 scenario could not run")
     << " (exit status " << exit << ")\n\n"
     << "Latency runs from each event's intended send time (open-loop schedule) to the commit "
        "of its row; percentiles come from a histogram with under 1 % relative error, mean, "
        "min, max and stddev are exact. Persisted counts rows in the database. PASS is within "
        "target, WARN within 20 % past it, FAIL beyond.\n\n"
     << "| scenario | priority | status | key figure | target | headroom |\n|---|---|---|---|---|---|\n";
  for (const auto& s : r.scenarios) {
    // The key figure is the judged one with the least headroom.
    const Figure* key = nullptr;
    for (const auto& f : s.figures) {
      if (f.target && (key == nullptr || f.headroom < key->headroom)) key = &f;
    }
    md << "| " << s.name << " | " << PriorityName(s.priority) << " | " << VerdictName(s.status) << " | "
       << (key ? key->metric + " = " + Num(key->value) : "-") << " | " << (key ? TargetText(*key) : "-")
       << " | " << (key ? Num(key->headroom) : "-") << " |\n";
  }
}

void ScenarioSection(const ScenarioResult& s, std::ostringstream& md) {
  md << "\n#### " << s.name << ": " << VerdictName(s.status) << "\n\n" << s.description << "\n\n"
     << "- Priority " << PriorityName(s.priority) << ", ran " << Num(s.duration_s) << " s"
     << (s.target_rate > 0 ? ", offered " + Num(s.target_rate) + " per second" : "") << "\n"
     << "- Sent " << s.sent << ", persisted " << s.persisted << ", lost " << s.lost;
  if (s.failed_requests > 0) md << ", failed requests " << s.failed_requests;
  md << "\n";
  if (!s.note.empty()) md << "- Note: " << s.note << "\n";
  md << "\n| figure | measured | target | verdict | headroom |\n|---|---|---|---|---|\n";
  for (const auto& f : s.figures) {
    md << "| " << f.metric << " | " << Num(f.value) << " | " << (f.target ? TargetText(f) : "-")
       << " | " << (f.target ? std::string(VerdictName(f.verdict)) : "-") << " | "
       << (f.target ? Num(f.headroom) : "-") << " |\n";
  }
  md << "\n";
  if (s.event_latency && s.event_latency->summary.n > 0) md << StatsTable("event latency", *s.event_latency);
  if (s.request_latency && s.request_latency->summary.n > 0) md << StatsTable("request latency", *s.request_latency);
  if (s.publish_call && s.publish_call->summary.n > 0) md << StatsTable("publish call (not latency)", *s.publish_call);
  if (s.event_latency || s.request_latency) md << "![latency](charts/" << s.name << "-latency.svg)\n";
  if (!s.timeline.empty()) md << "![rate and RSS](charts/" << s.name << "-timeline.svg)\n";
}

void ResultsByCategory(const RunReport& r, std::ostringstream& md) {
  md << "\n## 2. Results by category\n";
  for (const char* category : {"latency", "throughput", "cpu", "memory", "concurrency", "failure_recovery"}) {
    bool any = false;
    for (const auto& s : r.scenarios) {
      if (s.category != category) continue;
      if (!any) md << "\n### " << category << "\n";
      any = true;
      ScenarioSection(s, md);
    }
  }
}

void Analysis(const RunReport& r, std::ostringstream& md) {
  md << "\n## 3. Analysis and recommendations\n\n";
  std::vector<std::pair<double, std::string>> tight;
  for (const auto& s : r.scenarios) {
    if (s.status == Verdict::kNotRun) md << "- " << s.name << " did not run: " << s.note << "\n";
    for (const auto& f : s.figures) {
      if (!f.target) continue;
      if (f.verdict == Verdict::kFail || f.verdict == Verdict::kWarn) {
        md << "- " << s.name << ": " << f.metric << " = " << Num(f.value) << " against "
           << Num(*f.target) << " (" << VerdictName(f.verdict) << ")\n";
      }
      if (std::isfinite(f.headroom)) tight.emplace_back(f.headroom, s.name + " " + f.metric);
    }
  }
  std::sort(tight.begin(), tight.end());
  md << "\nLeast headroom (the likeliest bottlenecks):\n\n";
  for (size_t i = 0; i < tight.size() && i < 5; ++i) {
    md << "- " << tight[i].second << ": headroom " << Num(tight[i].first) << "\n";
  }
  md << "\nBaseline figures for future comparison are every figure above; pass this run's "
        "benchmark_results.json to `roseyd bench --baseline`.\n";
  if (r.baseline_file) {
    md << "\nAgainst baseline " << *r.baseline_file << " (tolerance " << Num(r.tolerance_percent)
       << " %):\n\n| scenario | figure | baseline | now | change % | regressed |\n|---|---|---|---|---|---|\n";
    for (const auto& c : r.comparisons) {
      md << "| " << c.scenario << " | " << c.metric << " | " << Num(c.baseline) << " | " << Num(c.current)
         << " | " << Num(c.change_percent) << " | " << (c.regressed ? "**yes**" : "no") << " |\n";
    }
  }
}

void Appendices(const Environment& e, std::ostringstream& md) {
  md << "\n## 4. Appendices\n\n### Test environment\n\n"
     << "- OS: " << e.os << ", kernel " << e.kernel << "\n"
     << "- CPU: " << e.cpu_model << ", " << e.cores << " cores; RAM " << Num(static_cast<double>(e.ram_bytes) / (1 << 30)) << " GiB\n"
     << "- Compiler: " << e.compiler << "\n"
     << "- nats-server: " << e.nats_server_version << "; SQLite " << e.sqlite_version << "\n\n"
     << "### Config used\n\n```yaml\n" << e.config_yaml << "```\n\n"
     << "### Raw data\n\nEvery statistic, the histogram buckets and the timelines are in "
        "benchmark_results.json beside this file.\n";
}

}  // namespace

std::string FormatReportMarkdown(const RunReport& report) {
  std::ostringstream md;
  ExecutiveSummary(report, md);
  ResultsByCategory(report, md);
  Analysis(report, md);
  Appendices(report.environment, md);
  return md.str();
}

}  // namespace roseyd::report
