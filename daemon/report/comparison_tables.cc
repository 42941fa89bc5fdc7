#include "report/comparison_tables.h"

#include <cmath>
#include <functional>
#include <optional>
#include <sstream>
#include <vector>

#include "report/figure_text.h"
#include "report/reference_figures.h"

namespace roseyd::report {

namespace {

const ScenarioResult* FindScenario(const RunReport& r, const std::string& name) {
  for (const ScenarioResult& s : r.scenarios) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Figure* FindFigure(const ScenarioResult* s, const std::string& metric) {
  if (s == nullptr || s->status == Verdict::kNotRun || s->status == Verdict::kCancelled) {
    return nullptr;
  }
  for (const Figure& f : s->figures) {
    if (f.metric == metric && std::isfinite(f.value)) return &f;
  }
  return nullptr;
}

// One row of "Speed at a glance": a figure of a scenario, how that scenario
// measured it (from its own numbers), and its Sprint 9 target (BENCHMARKS.md).
struct GlanceRow {
  const char* figure;
  const char* scenario;
  const char* metric;
  const char* unit;
  std::function<std::string(const ScenarioResult&)> how;
  std::optional<double> target;  // from BENCHMARKS.md where the figure has one
  Comparison comparison = Comparison::kAtLeast;
  const char* target_note = "";
  // The figure is the offered rate when all goes well: its ratio to the
  // target says nothing of room to spare, so none is shown.
  bool offered = false;
  // Left out when its scenario is not in the run (PostgreSQL's counts, which
  // need bench.store_url), rather than shown as not measured.
  bool only_when_run = false;
  // Said after the figure: its interval, where the scenario measured one.
  std::function<std::string(const ScenarioResult&)> spread = nullptr;
};

std::string Rate(double per_s) { return Num(per_s) + " ev/s"; }

std::string Extra(const ScenarioResult& s, const char* key, double otherwise = 0) {
  const auto it = s.extra.find(key);
  return Num(it == s.extra.end() ? otherwise : it->second);
}

// How a cost scenario counted: the same words for every instruction row.
std::string CostHow(const ScenarioResult& s, const char* what) {
  return "valgrind (callgrind) count of roseyd's own code over " + Extra(s, "measured") + " " +
         what + ", in one process without NATS; deterministic: it holds on a noisy machine";
}

GlanceRow InstructionRow(const char* figure, const char* scenario, const char* metric,
                         const char* what, bool only_when_run) {
  GlanceRow row{figure,
                scenario,
                metric,
                "instructions",
                [what](const ScenarioResult& s) { return CostHow(s, what); },
                std::nullopt};
  row.only_when_run = only_when_run;
  return row;
}

// The burst's rate over its rounds: the lowest and highest round hold the
// median of the rounds' rates with 1 - 2 / 2^rounds confidence (94 % for 5).
std::string BurstSpread(const ScenarioResult& s) {
  const Figure* low = FindFigure(&s, "persisted_per_second_min");
  const Figure* high = FindFigure(&s, "persisted_per_second_max");
  const auto rounds = s.extra.find("rounds");
  if (low == nullptr || high == nullptr || rounds == s.extra.end() || rounds->second < 2) return "";
  const double confidence = 100 * (1 - 2 / std::pow(2, rounds->second));
  return " (rounds " + Num(low->value) + " to " + Num(high->value) +
         ": the median lies "
         "between them with " +
         Num(std::round(confidence)) + " % confidence)";
}

// The capacity search's floor at the step that set capacity, beside the
// idle floor.
std::string CapacityFloor(const RunReport& r, const ScenarioResult& s) {
  const Figure* capacity = FindFigure(&s, "capacity_events_per_second");
  double floor = 0;
  for (const RateStep& step : s.steps) {
    if (capacity && step.within_target && step.offered_per_s == capacity->value)
      floor = step.floor_p99_ms;
  }
  if (!(floor > 0)) return "";
  std::string text = "; NATS echo floor p99 " + Num(floor) + " ms during that step";
  if (r.noise && r.noise->idle.floor_n > 0)
    text += " (idle " + Num(r.noise->idle.floor_p99_ms) + " ms)";
  return text;
}

// Rows in the order a reader should trust them: the instruction counts
// (deterministic), CPU per event (little moved by the machine's load), the
// throughputs with their intervals, then the wall-clock figures.
const std::vector<GlanceRow>& GlanceRows() {
  static const std::vector<GlanceRow> rows = {
      InstructionRow("instructions per event", "cost_events_sqlite", "instructions_per_event",
                     "events in a bot's proportions committed to SQLite", false),
      InstructionRow("instructions per request, classic queries", "cost_queries_sqlite",
                     "instructions_per_request", "queries from SQLite", false),
      InstructionRow("instructions per request, kv.get", "cost_kv_get_sqlite",
                     "instructions_per_request", "kv.get requests from SQLite", false),
      InstructionRow("instructions per request, row.search", "cost_row_search_sqlite",
                     "instructions_per_request", "row searches over 10,000 rows in SQLite", false),
      InstructionRow("instructions per event, PostgreSQL", "cost_events_postgres",
                     "instructions_per_event", "events committed to PostgreSQL (roseyd's side)",
                     true),
      InstructionRow("instructions per request, classic queries, PostgreSQL",
                     "cost_queries_postgres", "instructions_per_request",
                     "queries from PostgreSQL (roseyd's side)", true),
      InstructionRow("instructions per request, kv.get, PostgreSQL", "cost_kv_get_postgres",
                     "instructions_per_request", "kv.get requests from PostgreSQL (roseyd's side)",
                     true),
      InstructionRow("instructions per request, row.search, PostgreSQL", "cost_row_search_postgres",
                     "instructions_per_request", "row searches in PostgreSQL (roseyd's side)",
                     true),
      {"CPU per event, burst", "burst", "cpu_us_per_event", "us",
       [](const ScenarioResult& s) {
         const Figure* rate = FindFigure(&s, "persisted_per_second");
         return "service CPU over the burst / rows persisted, at " +
                Rate(rate ? rate->value : 0);
       },
       std::nullopt},
      {"CPU per event, sustained", "sustained_throughput", "cpu_us_per_event", "us",
       [](const ScenarioResult& s) {
         return "service CPU over the run / rows persisted, at " + Rate(s.target_rate) +
                " offered; includes the idle share (timers, housekeeping)";
       },
       std::nullopt},
      {"CPU per event, at capacity", "capacity", "cpu_us_per_event_at_capacity", "us",
       [](const ScenarioResult& s) {
         const Figure* rate = FindFigure(&s, "capacity_events_per_second");
         return "service CPU over the capacity step / rows persisted, at " +
                Rate(rate ? rate->value : 0);
       },
       std::nullopt},
      {"CPU per event, low rate", "cpu_overhead", "cpu_us_per_event_nats", "us",
       [](const ScenarioResult& s) {
         return "at " + Rate(s.target_rate) +
                " over NATS; includes the idle share (timers, housekeeping), which dominates "
                "at a low rate";
       },
       std::nullopt},
      {"CPU per request, classic queries", "request_reply_latency", "cpu_us_per_request", "us",
       [](const ScenarioResult& s) {
         return "service CPU over the requests / requests sent, at " + Num(s.target_rate) +
                "/s; includes the idle share";
       },
       std::nullopt},
      {"persisted events/s, burst", "burst", "persisted_per_second", "ev/s",
       [](const ScenarioResult& s) {
         const auto rounds = s.extra.find("rounds");
         const bool several = rounds != s.extra.end() && rounds->second > 1;
         return (several ? "median of " + Num(rounds->second) + " rounds of " +
                               Num(static_cast<double>(s.sent) / rounds->second)
                         : Num(static_cast<double>(s.sent))) +
                " chat lines sent back to back; first send to last commit; rows counted in the "
                "database";
       },
       500, Comparison::kAtLeast, "(>= 500 events in < 1 s, P2)", false, false, BurstSpread},
      {"capacity", "capacity", "capacity_events_per_second", "ev/s",
       [](const ScenarioResult& s) {
         std::string rates;
         for (const RateStep& step : s.steps) {
           if (step.attempt == 1) rates += (rates.empty() ? "" : ", ") + Num(step.offered_per_s);
         }
         return "rates " + (rates.empty() ? std::string("-") : rates) + " ev/s in turn, " +
                Extra(s, "step_s") + " s each: the highest with p99 under " +
                Extra(s, "p99_target_ms", 10) +
                " ms and nothing lost (a missed rate tried again; 2 misses in a row end it)";
       },
       std::nullopt},
      {"persisted events/s, sustained", "sustained_throughput", "persisted_per_second", "ev/s",
       [](const ScenarioResult& s) {
         return Rate(s.target_rate) + " offered for " +
                Num(s.target_rate > 0 ? static_cast<double>(s.sent) / s.target_rate : 0) +
                " s, rows counted: it persists what it is offered (the limit is capacity)";
       },
       100, Comparison::kAtLeast, "(none lost, P0; met by the offered rate)", true},
      {"request round trip p50", "request_reply_latency", "p50_latency_ms", "ms",
       [](const ScenarioResult& s) {
         return Num(static_cast<double>(s.sent)) + " requests at " + Num(s.target_rate) +
                "/s, the four query subjects in turn, open loop: intended send to reply";
       },
       10, Comparison::kAtMost, "(round trip, P0)"},
      {"request round trip p99", "request_reply_latency", "p99_latency_ms", "ms",
       [](const ScenarioResult&) { return std::string("the same requests"); }, 10,
       Comparison::kAtMost, "(round trip, P0)"},
      {"RSS idle", "memory_baseline", "rss_idle_mib", "MiB",
       [](const ScenarioResult&) {
         return std::string(
             "whole process, bots connected: the bot's service, the benchmark's instance, the "
             "load generator");
       },
       std::nullopt},
      {"RSS under load", "memory_baseline", "rss_peak_mib", "MiB",
       [](const ScenarioResult& s) {
         return "peak of the whole process at " + Rate(s.target_rate) + " (target: < 10 % over "
                "idle)";
       },
       std::nullopt},
  };
  return rows;
}

// The reference row for a figure, if the original was measured on it.
const ReferenceFigure* ReferenceFor(const std::string& scenario, const std::string& metric) {
  for (const ReferenceFigure& f : OriginalServiceFigures()) {
    if (f.scenario == scenario && f.metric == metric) return &f;
  }
  return nullptr;
}

// "×N (better)" for roseyd's `value` against `other`.
std::string RatioCell(double value, double other, bool higher_is_better) {
  if (!(other > 0) || !(value > 0) || !std::isfinite(value)) return "-";
  const double ratio = value / other;
  const bool better = higher_is_better ? ratio >= 1 : ratio <= 1;
  return Ratio(ratio) + (better ? " (better)" : " (worse)");
}

}  // namespace

std::string BaselineCells(const RunReport& report, const std::string& scenario,
                          const std::string& metric, double value) {
  const auto it = report.baseline_figures.find(scenario + "/" + metric);
  if (it == report.baseline_figures.end()) return "| - | - |";
  return "| " + Num(it->second) + " | " + Change(it->second, value) + " |";
}

std::string SpeedAtAGlance(const RunReport& r) {
  std::ostringstream md;
  md << "### Speed at a glance\n\n"
     << "How fast, in one table. Each row says how it was measured; the columns put it beside "
        "its Sprint 9 target (BENCHMARKS.md), the baseline"
     << (r.baseline_file ? " (" + *r.baseline_file + ")" : std::string(" (none given)"))
     << " and the original Python service (measured on another day: see \"Beside the "
        "original Python service\"). A ratio is roseyd's figure divided by the other.\n\n"
     << "The figures that hold on a busy machine come first: instructions counted under "
        "valgrind, then CPU time per event, then throughputs with their intervals; wall-clock "
        "latencies move with the machine's load (see Noise).\n\n"
     << "| figure | roseyd | how it was measured | Sprint 9 target | baseline | change | "
        "original Python service | roseyd ÷ original |\n"
     << "|---|---|---|---|---|---|---|---|\n";
  for (const GlanceRow& row : GlanceRows()) {
    const ScenarioResult* s = FindScenario(r, row.scenario);
    if (s == nullptr && row.only_when_run) continue;
    const Figure* f = FindFigure(s, row.metric);
    md << "| " << row.figure << " | ";
    if (f == nullptr) {
      md << "not measured | " << row.scenario
         << (s == nullptr ? " was not in this run" : " did not run") << " | ";
    } else {
      md << Num(f->value) << " " << row.unit << (row.spread ? row.spread(*s) : "") << " | "
         << row.how(*s) << (s->name == "capacity" ? CapacityFloor(r, *s) : "") << " ("
         << row.scenario << ") | ";
    }
    if (row.target) {
      md << (row.comparison == Comparison::kAtLeast ? ">= " : "<= ") << Num(*row.target) << " "
         << row.unit << " " << row.target_note;
      if (f && !row.offered) {
        md << ": " << RatioCell(f->value, *row.target, row.comparison == Comparison::kAtLeast);
      }
    } else if (f && f->target) {
      md << TargetText(*f) << " " << row.unit << ": "
         << RatioCell(f->value, *f->target, f->comparison == Comparison::kAtLeast);
    } else {
      md << "-";
    }
    md << " " << (f ? BaselineCells(r, row.scenario, row.metric, f->value) : "| - | - |") << " ";
    const ReferenceFigure* ref = ReferenceFor(row.scenario, row.metric);
    if (ref) {
      md << ref->original_text << " | "
         << (f ? RatioCell(f->value, ref->original, ref->higher_is_better) : "-") << " |\n";
    } else {
      md << "- | - |\n";
    }
  }
  return md.str();
}

std::string BotServiceSection(const RunReport& r) {
  if (!r.bot_service) return "";
  const BotServiceProbe& b = *r.bot_service;
  const LatencySummary& idle = b.idle.summary;
  const LatencySummary& during = b.during.summary;
  std::ostringstream md;
  md << "### The bot's service during this run\n\n"
     << "The load generator drove a service instance of its own (its own subjects, a scratch "
        "database, removed after the run); the bot's service kept serving beside it. Probed "
        "with read-only requests (" << b.subject << " for a user that does not exist) at "
     << Num(b.rate) << " per second, open loop, from the intended send to the reply:\n\n"
     << "| when | requests | failed | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n"
     << "| idle, before the run | " << b.idle_sent << " | " << b.idle_failed << " | "
     << Num(idle.median_ms) << " | " << Num(idle.p99_ms) << " | " << Num(idle.max_ms) << " |\n"
     << "| during the run | " << b.during_sent << " | " << b.during_failed << " | "
     << Num(during.median_ms) << " | " << Num(during.p99_ms) << " | " << Num(during.max_ms)
     << " |\n\n";
  if (idle.n > 0 && during.n > 0 && idle.p99_ms > 0) {
    md << "p99 during the run / p99 idle: " << Ratio(during.p99_ms / idle.p99_ms)
       << " (same run, same probe). The benchmark shares this process and its CPU with the "
          "bot's service, so a heavy scenario shows here.\n\n";
  }
  return md.str();
}

std::string OriginalServiceSection(const RunReport& r) {
  std::ostringstream md;
  md << "### Beside the original Python service\n\n"
     << "Reference figures from " << kReferenceSource
     << ". They were measured on another day, by another client, on another machine of the "
        "same kind: BENCHMARKS.md compares as ratios only figures of one run, so the ratios "
        "below are indicative, not a measurement.\n\n"
     << "| figure | original | how the original was measured | roseyd, this run | how roseyd "
        "measured it | roseyd ÷ original (indicative) |\n|---|---|---|---|---|---|\n";
  for (const ReferenceFigure& ref : OriginalServiceFigures()) {
    const Figure* f = FindFigure(FindScenario(r, ref.scenario), ref.metric);
    md << "| " << ref.label << " | " << ref.original_text << " | " << ref.original_how << " | "
       << (f ? Num(f->value) + " " + ref.unit : "not measured") << " | " << ref.roseyd_how
       << " (" << ref.scenario << ") | "
       << (f ? RatioCell(f->value, ref.original, ref.higher_is_better) : "-") << " |\n";
  }
  int passed = 0, ran = 0;
  for (const char* name : {"single_event_latency", "request_reply_latency",
                           "concurrent_event_latency", "sustained_throughput", "burst",
                           "cpu_overhead", "memory_baseline", "memory_stability",
                           "mixed_event_types", "service_restart"}) {
    const ScenarioResult* s = FindScenario(r, name);
    if (s == nullptr) continue;
    ++ran;
    if (s->status == Verdict::kPass) ++passed;
  }
  md << "| the ten classic benchmarks passed | " << kOriginalOwnSuitePassed << " of "
     << kOriginalOwnSuiteTotal
     << " | its own pytest module (tests/performance/test_nats_overhead.py) | " << passed
     << " of " << ran << " in this run | the scenarios of BENCHMARKS.md | - |\n";
  return md.str();
}

}  // namespace roseyd::report
