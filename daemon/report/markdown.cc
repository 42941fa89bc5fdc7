#include "report/markdown.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "report/comparison_tables.h"
#include "report/exit_status.h"
#include "report/figure_text.h"
#include "report/noise_section.h"

namespace roseyd::report {

namespace {

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

// A persisted rate of a paced scenario is the offered rate when all goes
// well: over its target it shows the offer, not room to spare.
bool IsOfferedRate(const ScenarioResult& s, const Figure& f) {
  return f.metric == "persisted_per_second" && s.target_rate > 0;
}

std::string HeadroomText(const ScenarioResult& s, const Figure& f) {
  if (!f.target) return "-";
  if (IsOfferedRate(s, f)) return "n/a (the offered rate)";
  return Num(f.headroom);
}

// The judged figure with the least headroom, preferring those that are not
// just the offered rate; nullptr when nothing is judged.
const Figure* KeyFigure(const ScenarioResult& s) {
  const Figure* key = nullptr;
  for (const auto& f : s.figures) {
    if (!f.target) continue;
    if (key == nullptr) {
      key = &f;
      continue;
    }
    const bool offered = IsOfferedRate(s, f), key_offered = IsOfferedRate(s, *key);
    if (offered != key_offered ? key_offered : f.headroom < key->headroom) key = &f;
  }
  return key;
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
     << Num(r.duration_s) << " s against " << r.target << "\n";
  if (r.cancelled) {
    int ran = 0;
    for (const auto& s : r.scenarios) ran += s.status == Verdict::kCancelled ? 0 : 1;
    md << "- **Cancelled**: the run was cancelled after " << ran << " of " << r.scenarios.size()
       << " scenarios; the scenario running then and those after it are CANCELLED\n";
  }
  md << "- PASS " << counts[Verdict::kPass] << ", WARN " << counts[Verdict::kWarn] << ", DISTURBED "
     << counts[Verdict::kDisturbed] << ", FAIL " << counts[Verdict::kFail] << ", NOT RUN "
     << counts[Verdict::kNotRun] << ", CANCELLED " << counts[Verdict::kCancelled] << "\n"
     << "- Result: "
     << (exit == 0   ? "every P0 scenario passed"
         : exit == 1 ? "a P0 scenario failed or a figure regressed"
                     : "a P0 scenario could not run")
     << " (exit status " << exit << ")\n";
  if (r.baseline_file) {
    md << "- Baseline: " << *r.baseline_file
       << (r.baseline_started_utc.empty() ? "" : ", the run of " + r.baseline_started_utc)
       << (r.regressions_fail ? "; a figure worse by more than " + Num(r.tolerance_percent) +
                                    " % fails this run"
                              : "; the previous run, shown for comparison (a regression does "
                                "not fail this run)")
       << "\n";
  } else {
    md << "- Baseline: none (pass a benchmark_results.json to `roseyd bench --baseline` to "
          "compare)\n";
  }
  md << "\nLatency runs from each event's intended send time (open-loop schedule) to the commit "
        "of its row; percentiles come from a histogram with under 1 % relative error, mean, "
        "min, max and stddev are exact. Persisted counts rows in the database. PASS is within "
        "target, WARN within 20 % past it, FAIL beyond; DISTURBED is a timing target missed while "
        "the machine's noise floor moved (see Noise), which does not fail the run. Headroom is "
        "target / measured (measured / target for a minimum): above 1 is room to spare.\n\n";
  md << SpeedAtAGlance(r) << "\n" << BotServiceSection(r) << OriginalServiceSection(r);
  md << "\n### Scenarios\n\n"
     << "| scenario | priority | status | key figure | target | headroom | baseline | change |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  for (const auto& s : r.scenarios) {
    const Figure* key = KeyFigure(s);
    md << "| " << s.name << " | " << PriorityName(s.priority) << " | " << VerdictName(s.status)
       << MovedMark(s) << " | " << (key ? key->metric + " = " + Num(key->value) : "-") << " | "
       << (key ? TargetText(*key) : "-") << " | " << (key ? HeadroomText(s, *key) : "-") << " "
       << (key ? BaselineCells(r, s.name, key->metric, key->value) : "| - | - |") << "\n";
  }
  const std::string noise = NoiseSection(r);
  if (!noise.empty()) md << "\n" << noise;
}

void StepsTable(const ScenarioResult& s, std::ostringstream& md) {
  if (s.steps.empty()) return;
  md << "| offered ev/s | attempt | sent | persisted | lost | persisted ev/s | p50 ms | p99 ms | "
        "floor p99 ms | steal % | CPU us/event | within target |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const RateStep& step : s.steps) {
    md << "| " << Num(step.offered_per_s) << " | "
       << (step.attempt > 1 ? std::to_string(step.attempt) + " (again)" : std::string("1")) << " | "
       << step.sent << " | " << step.persisted << " | " << step.lost << " | "
       << Num(step.persisted_per_s) << " | " << Num(step.p50_ms) << " | " << Num(step.p99_ms)
       << " | " << (step.floor_p99_ms > 0 ? Num(step.floor_p99_ms) : std::string("-")) << " | "
       << Num(step.steal_percent) << " | "
       << (step.cpu_us_per_event > 0 ? Num(step.cpu_us_per_event) : std::string("-")) << " | "
       << (step.within_target ? "yes" : "**no**") << " |\n";
  }
  md << "\n![latency per rate](charts/" << s.name << "-capacity.svg)\n\n";
}

const Figure* FindFigure(const ScenarioResult& s, const char* metric) {
  for (const Figure& f : s.figures) {
    if (f.metric == metric) return &f;
  }
  return nullptr;
}

// What the RSS slope's band allows one to say against its target: "flat"
// only when the whole band is under it.
void RssSlopeLine(const ScenarioResult& s, std::ostringstream& md) {
  const Figure* slope = FindFigure(s, "rss_slope_mib_per_hour");
  const Figure* low = FindFigure(s, "rss_slope_ci_low_mib_per_hour");
  const Figure* high = FindFigure(s, "rss_slope_ci_high_mib_per_hour");
  if (slope == nullptr || low == nullptr || high == nullptr) return;
  md << "- RSS (RssAnon) slope " << Num(slope->value) << " MiB/h, 95 % band " << Num(low->value)
     << " to " << Num(high->value) << " MiB/h";
  if (!slope->target) {
    md << "\n";
    return;
  }
  md << " against a target of " << Num(*slope->target) << ": ";
  if (high->value <= *slope->target) {
    md << "**flat** (the whole band is under the target)\n";
  } else if (low->value > *slope->target) {
    md << "**growing** (the whole band is over the target)\n";
  } else {
    md << "**cannot tell** (the band reaches past the target: the window is too short or RSS "
          "too noisy to say; a longer run narrows it)\n";
  }
}

void ScenarioSection(const RunReport& r, const ScenarioResult& s, std::ostringstream& md) {
  md << "\n#### " << s.name << ": " << VerdictName(s.status) << "\n\n" << s.description << "\n\n"
     << "- Priority " << PriorityName(s.priority) << ", ran " << Num(s.duration_s) << " s"
     << (s.target_rate > 0 ? ", offered " + Num(s.target_rate) + " per second" : "") << "\n"
     << "- Sent " << s.sent << ", persisted " << s.persisted << ", lost " << s.lost;
  if (s.failed_requests > 0) md << ", failed requests " << s.failed_requests;
  md << "\n";
  if (!s.note.empty()) md << "- Note: " << s.note << "\n";
  md << ScenarioNoiseLine(r, s);
  RssSlopeLine(s, md);
  for (const Marker& m : s.markers) md << "- At " << Num(m.t_s) << " s: " << m.label << "\n";
  md << "\n| figure | measured | target | verdict | headroom | baseline | change |\n"
     << "|---|---|---|---|---|---|---|\n";
  for (const auto& f : s.figures) {
    md << "| " << f.metric << " | " << Num(f.value) << " | " << TargetText(f) << " | "
       << (f.target ? std::string(VerdictName(f.verdict)) : "-") << " | " << HeadroomText(s, f)
       << " " << BaselineCells(r, s.name, f.metric, f.value) << "\n";
  }
  md << "\n";
  StepsTable(s, md);
  if (s.event_latency && s.event_latency->summary.n > 0) md << StatsTable("event latency", *s.event_latency);
  if (s.request_latency && s.request_latency->summary.n > 0) md << StatsTable("request latency", *s.request_latency);
  if (s.publish_call && s.publish_call->summary.n > 0) md << StatsTable("publish call (not latency)", *s.publish_call);
  if ((s.event_latency && s.event_latency->summary.n > 0) ||
      (s.request_latency && s.request_latency->summary.n > 0)) {
    md << "![latency](charts/" << s.name << "-latency.svg)\n";
  }
  if (!s.timeline.empty()) md << "![rate and RSS](charts/" << s.name << "-timeline.svg)\n";
  if (s.extra.count("rss_fit_center_mib") > 0) {
    md << "![RSS and its fit](charts/" << s.name << "-rss.svg)\n";
  }
  if (std::any_of(s.timeline.begin(), s.timeline.end(),
                  [](const TimelinePoint& p) { return p.cpu_percent > 0; })) {
    md << "![CPU](charts/" << s.name << "-cpu.svg)\n";
  }
}

void ResultsByCategory(const RunReport& r, std::ostringstream& md) {
  md << "\n## 2. Results by category\n";
  for (const char* category : {"latency", "throughput", "cpu", "memory", "concurrency", "failure_recovery"}) {
    bool any = false;
    for (const auto& s : r.scenarios) {
      if (s.category != category) continue;
      if (!any) md << "\n### " << category << "\n";
      any = true;
      ScenarioSection(r, s, md);
    }
  }
}

void Analysis(const RunReport& r, std::ostringstream& md) {
  md << "\n## 3. Analysis and recommendations\n\n";
  std::vector<std::pair<double, std::string>> tight;
  for (const auto& s : r.scenarios) {
    if (s.status == Verdict::kNotRun) md << "- " << s.name << " did not run: " << s.note << "\n";
    if (s.status == Verdict::kCancelled) md << "- " << s.name << " was cancelled: " << s.note << "\n";
    for (const auto& f : s.figures) {
      if (!f.target) continue;
      if (f.verdict == Verdict::kFail || f.verdict == Verdict::kWarn ||
          f.verdict == Verdict::kDisturbed) {
        md << "- " << s.name << ": " << f.metric << " = " << Num(f.value) << " against "
           << Num(*f.target) << " (" << VerdictName(f.verdict)
           << (f.verdict == Verdict::kDisturbed && s.noise ? ": " + s.noise->why : "") << ")\n";
      }
      if (std::isfinite(f.headroom) && !IsOfferedRate(s, f)) {
        tight.emplace_back(f.headroom, s.name + " " + f.metric);
      }
    }
  }
  std::sort(tight.begin(), tight.end());
  md << "\nLeast headroom (the likeliest bottlenecks; offered rates left out):\n\n";
  for (size_t i = 0; i < tight.size() && i < 5; ++i) {
    md << "- " << tight[i].second << ": headroom " << Num(tight[i].first) << "\n";
  }
  md << "\nBaseline figures for future comparison are every figure above; pass this run's "
        "benchmark_results.json to `roseyd bench --baseline`.\n";
  if (r.baseline_file) {
    md << "\nAgainst baseline " << *r.baseline_file << " (tolerance " << Num(r.tolerance_percent)
       << " %" << (r.regressions_fail ? "" : "; informational") << "):\n\n"
       << "| scenario | figure | baseline | now | change % | regressed |\n|---|---|---|---|---|---|\n";
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
