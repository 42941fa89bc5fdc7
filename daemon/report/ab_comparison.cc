#include "report/ab_comparison.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace roseyd::report {

namespace {

using nlohmann::json;

bool IsCounted(const std::string& metric) { return metric.rfind("instructions_per_", 0) == 0; }

// Costs judged without a target: what a change to the code moves first.
bool IsCost(const std::string& metric) {
  return IsCounted(metric) || metric == "cpu_us_per_event" || metric == "cpu_us_per_request";
}

const RunReport* ReportOf(const AbComparison& c, const std::string& phase, int round,
                         const std::string& role) {
  for (const AbRun& run : c.runs) {
    if (run.phase == phase && run.round == round && run.role == role && run.report) {
      return &*run.report;
    }
  }
  return nullptr;
}

const ScenarioResult* ScenarioOf(const RunReport& report, const std::string& name) {
  for (const ScenarioResult& s : report.scenarios) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool Measured(const ScenarioResult* s) {
  return s != nullptr && s->status != Verdict::kNotRun && s->status != Verdict::kCancelled;
}

json Finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string Number(double v) {
  if (!std::isfinite(v)) return v > 0 ? "inf" : "-";
  char text[32];
  const double a = std::fabs(v);
  if (a >= 10000) {
    std::snprintf(text, sizeof(text), "%.0f", v);
  } else if (a >= 100) {
    std::snprintf(text, sizeof(text), "%.1f", v);
  } else {
    std::snprintf(text, sizeof(text), "%.3g", v);
  }
  return text;
}

std::string Ratio(double v) {
  if (!std::isfinite(v)) return v > 0 ? "inf" : "-";
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", v);
  return text;
}

std::string Percent(double fraction) {
  if (!std::isfinite(fraction)) return "inf";
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %%", 100 * fraction);
  return text;
}

std::string VerdictText(const AbFigure& f) {
  std::string text(AbVerdictName(f.result.verdict));
  if (f.result.verdict == AbVerdict::kSlower || f.result.verdict == AbVerdict::kFaster) {
    text = "**" + text + "**";
  }
  if (f.result.slower_beyond_tolerance) text += " (past the tolerance)";
  return text;
}

// "why not": each side's note for a scenario that gave no figure.
std::string NotesOf(const AbComparison& c, const std::string& scenario, const std::string& role,
                    bool* inapplicable) {
  std::set<std::string> notes;
  bool all_inapplicable = true;
  bool any = false;
  for (const AbRun& run : c.runs) {
    if (run.role != role || !run.report) continue;
    const ScenarioResult* s = ScenarioOf(*run.report, scenario);
    if (s == nullptr) continue;
    any = true;
    if (!s->inapplicable) all_inapplicable = false;
    if (!s->note.empty()) notes.insert(s->note);
  }
  *inapplicable = any && all_inapplicable;
  std::string text;
  for (const std::string& n : notes) text += (text.empty() ? "" : "; ") + n;
  return text.empty() ? "no report" : text;
}

// Adds the figures both reports measured to `by_key`, as round `round`.
void PairRound(const RunReport& base, const RunReport& candidate, int round,
               std::map<std::pair<std::string, std::string>, AbFigure>* by_key) {
  for (const ScenarioResult& cs : candidate.scenarios) {
    const ScenarioResult* bs = ScenarioOf(base, cs.name);
    if (!Measured(&cs) || !Measured(bs)) continue;
    for (const Figure& cf : cs.figures) {
      const auto bf = std::find_if(bs->figures.begin(), bs->figures.end(),
                                   [&](const Figure& f) { return f.metric == cf.metric; });
      if (bf == bs->figures.end() || !std::isfinite(cf.value) || !std::isfinite(bf->value)) {
        continue;
      }
      AbFigure& f = (*by_key)[{cs.name, cf.metric}];
      f.scenario = cs.name;
      f.metric = cf.metric;
      f.counted = IsCounted(cf.metric);
      f.judged = cf.target.has_value() || IsCost(cf.metric);
      f.higher_is_better = HigherIsBetter(cf);
      f.base.push_back(bf->value);
      f.candidate.push_back(cf.value);
      f.rounds.push_back(round);
    }
  }
}

}  // namespace

bool HigherIsBetter(const Figure& figure) {
  if (figure.target) return figure.comparison == Comparison::kAtLeast;
  // Rates: persisted_per_second and its _min/_max, ops_per_second,
  // capacity_events_per_second.
  return figure.metric.find("_per_second") != std::string::npos;
}

void CompareRuns(AbComparison* c) {
  c->figures.clear();
  std::map<std::pair<std::string, std::string>, AbFigure> by_key;
  for (const auto& [phase, rounds] : {std::pair{"cost", c->cost_rounds}, std::pair{"timed", c->rounds}}) {
    for (int round = 1; round <= rounds; ++round) {
      const RunReport* base = ReportOf(*c, phase, round, "base");
      const RunReport* candidate = ReportOf(*c, phase, round, "candidate");
      if (base != nullptr && candidate != nullptr) PairRound(*base, *candidate, round, &by_key);
    }
  }
  const auto order = [&](const std::string& scenario) {
    const auto it = std::find(c->scenarios.begin(), c->scenarios.end(), scenario);
    return it - c->scenarios.begin();
  };
  for (auto& [key, f] : by_key) {
    AbSamples samples{f.base, f.candidate, f.higher_is_better, f.counted};
    f.result = CompareAb(samples, c->tolerance_percent / 100);
    c->figures.push_back(std::move(f));
  }
  std::sort(c->figures.begin(), c->figures.end(), [&](const AbFigure& a, const AbFigure& b) {
    return std::make_tuple(!a.judged, !a.counted, order(a.scenario), a.metric) <
           std::make_tuple(!b.judged, !b.counted, order(b.scenario), b.metric);
  });
  // A scenario that gave no figure to compare: a problem, unless it cannot
  // run here on either side (valgrind missing, no PostgreSQL to use).
  for (const std::string& scenario : c->scenarios) {
    const bool compared = std::any_of(c->figures.begin(), c->figures.end(),
                                      [&](const AbFigure& f) { return f.scenario == scenario; });
    if (compared) continue;
    bool base_inapplicable = false;
    bool candidate_inapplicable = false;
    const std::string base_note = NotesOf(*c, scenario, "base", &base_inapplicable);
    const std::string candidate_note = NotesOf(*c, scenario, "candidate", &candidate_inapplicable);
    if (base_inapplicable && candidate_inapplicable) continue;
    c->problems.push_back(scenario + ": no figure measured on both sides (base: " + base_note +
                          "; candidate: " + candidate_note + ")");
  }
}

int AbExitStatus(const AbComparison& c) {
  for (const std::string role : {"base", "candidate"}) {
    const bool any = std::any_of(c.runs.begin(), c.runs.end(),
                                 [&](const AbRun& r) { return r.role == role && r.report; });
    if (!any) return 2;
  }
  if (!c.problems.empty()) return 2;
  const bool judged = std::any_of(c.figures.begin(), c.figures.end(),
                                  [](const AbFigure& f) { return f.judged && f.result.rounds > 0; });
  if (!judged) return 2;
  const bool slower = std::any_of(c.figures.begin(), c.figures.end(), [](const AbFigure& f) {
    return f.judged && f.result.slower_beyond_tolerance;
  });
  return slower ? 1 : 0;
}

std::string FormatComparisonJson(const AbComparison& c) {
  json figures = json::array();
  for (const AbFigure& f : c.figures) {
    const AbResult& r = f.result;
    json values_base = json::array();
    json values_candidate = json::array();
    for (const double v : f.base) values_base.push_back(Finite(v));
    for (const double v : f.candidate) values_candidate.push_back(Finite(v));
    figures.push_back({{"scenario", f.scenario},
                       {"metric", f.metric},
                       {"judged", f.judged},
                       {"counted", f.counted},
                       {"higher_is_better", f.higher_is_better},
                       {"rounds", r.rounds},
                       {"base_median", Finite(r.base_median)},
                       {"candidate_median", Finite(r.candidate_median)},
                       {"ratio", Finite(r.ratio)},
                       {"ci_low", Finite(r.ci_low)},
                       {"ci_high", Finite(r.ci_high)},
                       {"confidence", kConfidence},
                       {"p_value", Finite(r.p_value)},
                       {"detectable", Finite(r.detectable)},
                       {"verdict", std::string(AbVerdictName(r.verdict))},
                       {"slower_beyond_tolerance", r.slower_beyond_tolerance},
                       {"why", r.why},
                       {"round_numbers", f.rounds},
                       {"base_values", values_base},
                       {"candidate_values", values_candidate}});
  }
  json runs = json::array();
  for (const AbRun& run : c.runs) {
    json noise = nullptr;
    if (run.report && run.report->noise) {
      const NoiseWindow& w = run.report->noise->run;
      noise = {{"load_avg_mean", w.load_avg_mean},
               {"steal_percent", w.steal_percent},
               {"floor_p50_ms", w.floor_p50_ms},
               {"floor_p99_ms", w.floor_p99_ms}};
    }
    runs.push_back({{"round", run.round},
                    {"role", run.role},
                    {"position", run.position},
                    {"phase", run.phase},
                    {"exit_status", run.exit_status},
                    {"seconds", run.seconds},
                    {"out_dir", run.out_dir},
                    {"problem", run.problem},
                    {"noise", noise}});
  }
  const json out = {
      {"schema", "roseyd-comparison/1"},
      {"started_utc", c.started_utc},
      {"duration_s", c.duration_s},
      {"suite", c.suite},
      {"scenarios", c.scenarios},
      {"rounds", c.rounds},
      {"cost_rounds", c.cost_rounds},
      {"tolerance_percent", c.tolerance_percent},
      {"base", {{"executable", c.base.executable}, {"version", c.base.version}}},
      {"candidate", {{"executable", c.candidate.executable}, {"version", c.candidate.version}}},
      {"exit_status", AbExitStatus(c)},
      {"problems", c.problems},
      {"environment",
       {{"os", c.environment.os},
        {"kernel", c.environment.kernel},
        {"cpu_model", c.environment.cpu_model},
        {"cores", c.environment.cores}}},
      {"figures", figures},
      {"runs", runs}};
  return out.dump(2) + "\n";
}

std::string FormatComparisonMarkdown(const AbComparison& c) {
  std::ostringstream md;
  std::map<AbVerdict, int> counts;
  for (const AbFigure& f : c.figures) {
    if (f.judged) ++counts[f.result.verdict];
  }
  const int status = AbExitStatus(c);
  md << "# roseyd A/B comparison\n\n"
     << "Base `" << c.base.executable << "` (" << c.base.version << ") against candidate `"
     << c.candidate.executable << "` (" << c.candidate.version << "), " << c.cost_rounds
     << " rounds of the cost figures (both sides at once) and " << c.rounds
     << " interleaved rounds of the timed ones, "
     << c.started_utc << ", " << static_cast<int>(c.duration_s) << " s, on "
     << c.environment.cores << " cores (" << c.environment.cpu_model << ").\n\n"
     << "Judged figures: " << counts[AbVerdict::kSlower] << " slower, "
     << counts[AbVerdict::kFaster] << " faster, " << counts[AbVerdict::kSame] << " same, "
     << counts[AbVerdict::kDisturbed] << " disturbed. Exit status " << status << " ("
     << (status == 0   ? "nothing judged slower beyond the tolerance"
         : status == 1 ? "a judged figure is slower beyond the tolerance"
                       : "the run could not compare")
     << "; tolerance " << c.tolerance_percent << " %).\n\n";
  for (const std::string& p : c.problems) md << "- **Could not compare:** " << p << "\n";
  if (!c.problems.empty()) md << "\n";

  const auto table = [&](bool judged) {
    md << "| scenario | figure | base median | candidate median | ratio [99 % interval] | "
          "detectable | verdict |\n|---|---|---|---|---|---|---|\n";
    for (const AbFigure& f : c.figures) {
      if (f.judged != judged) continue;
      const AbResult& r = f.result;
      md << "| " << f.scenario << " | " << f.metric << (f.higher_is_better ? " (higher is better)" : "")
         << " | " << Number(r.base_median) << " | " << Number(r.candidate_median) << " | "
         << Ratio(r.ratio) << " [" << Ratio(r.ci_low) << ", " << Ratio(r.ci_high) << "] | "
         << Percent(r.detectable) << " | " << VerdictText(f) << " |\n";
    }
    md << "\n";
  };
  md << "## Judged figures\n\nThe cost figures (instructions counted under valgrind, CPU time "
        "per event or request) and every figure with a target. The ratio is candidate / base; "
        "*detectable* is the smallest change this run would have found.\n\n";
  table(true);
  md << "## Other figures\n\nReported for the record; they do not change the exit status.\n\n";
  table(false);

  md << "## Why each verdict\n\n";
  for (const AbFigure& f : c.figures) {
    if (!f.judged) continue;
    md << "- " << f.scenario << " " << f.metric << ": " << AbVerdictName(f.result.verdict) << ", "
       << f.result.why << " (" << f.result.rounds << " rounds";
    if (!f.counted) {
      char p[32];
      std::snprintf(p, sizeof(p), "%.3g", f.result.p_value);
      md << ", p = " << p;
    }
    md << ")\n";
  }
  md << "\n## Rounds\n\nEach side's time, exit status, and the noise its run recorded: the "
        "1-minute load average, CPU steal and the raw NATS echo floor's p99 (docs/BENCHMARKS.md, "
        "\"Noise\").\n\n| phase | round | first | base: s (exit), load, steal, floor p99 | "
        "candidate: s (exit), load, steal, floor p99 |\n|---|---|---|---|---|\n";
  const auto side = [](const AbRun& run) {
    char text[160];
    if (run.report && run.report->noise) {
      const NoiseWindow& w = run.report->noise->run;
      std::snprintf(text, sizeof(text), "%.1f (%d), %.2f, %.1f %%, %.2f ms", run.seconds,
                    run.exit_status, w.load_avg_mean, w.steal_percent, w.floor_p99_ms);
    } else {
      std::snprintf(text, sizeof(text), "%.1f (%d)", run.seconds, run.exit_status);
    }
    return std::string(text);
  };
  for (const auto& [phase, rounds] : {std::pair{"cost", c.cost_rounds}, std::pair{"timed", c.rounds}}) {
    for (int round = 1; round <= rounds; ++round) {
      const AbRun* base = nullptr;
      const AbRun* candidate = nullptr;
      for (const AbRun& run : c.runs) {
        if (run.phase != phase || run.round != round) continue;
        (run.role == "base" ? base : candidate) = &run;
      }
      if (base == nullptr || candidate == nullptr) continue;
      const char* first = std::string(phase) == "cost" ? "together"
                          : base->position == 0      ? "base"
                                                     : "candidate";
      md << "| " << phase << " | " << round << " | " << first << " | " << side(*base) << " | "
         << side(*candidate) << " |\n";
    }
  }
  for (const AbRun& run : c.runs) {
    if (!run.problem.empty()) {
      md << "\n- round " << run.round << ", " << run.role << ": " << run.problem;
    }
  }
  md << "\n## How to read this\n\n"
        "Both binaries ran the same scenarios (the candidate's catalog) on this machine. The "
        "timed ones alternate within each round, swapping who goes first every round (ABBA), "
        "so that a neighbour's load or a slow drift hits both sides alike; the cost figures "
        "are counted for both at once, since instruction counts do not depend on what else "
        "runs. Timed figures: each "
        "round gives one candidate / base ratio; an exact Wilcoxon signed-rank test over "
        "the rounds' log ratios and its Hodges-Lehmann 99 % interval decide, which assumes "
        "nothing about the noise's shape. **slower** / **faster**: the interval excludes no "
        "change; **same**: it does not, and this run would have found a change of the "
        "tolerance; **disturbed**: it does not, but the noise could hide a change larger "
        "than the tolerance (or too few rounds). Instruction counts repeat within a few "
        "tenths of a percent, so they are judged at a 1 % resolution from the extremes of "
        "their rounds. The exit status is 1 only when a judged figure is slower and even the "
        "end of its interval nearest to no change is past the tolerance. Details: "
        "docs/BENCHMARKS.md, \"A/B on one machine\".\n";
  return md.str();
}

void WriteComparison(const AbComparison& comparison, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (const auto& [name, text] :
       {std::pair{"comparison.json", FormatComparisonJson(comparison)},
        std::pair{"COMPARISON.md", FormatComparisonMarkdown(comparison)}}) {
    const std::filesystem::path path = dir / name;
    std::ofstream out(path);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
}

}  // namespace roseyd::report
