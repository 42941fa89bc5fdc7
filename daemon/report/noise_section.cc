#include "report/noise_section.h"

#include <sstream>

#include "report/figure_text.h"

namespace roseyd::report {

namespace {

// The cells of one window: seconds, floor p50/p99/max, probes, steal,
// iowait, load average.
std::string WindowCells(const NoiseWindow& w) {
  std::ostringstream md;
  md << Num(w.seconds) << " | ";
  if (w.floor_n > 0) {
    md << Num(w.floor_p50_ms) << " | " << Num(w.floor_p99_ms) << " | " << Num(w.floor_max_ms);
  } else {
    md << "- | - | -";
  }
  md << " | " << w.floor_n << " | " << Num(w.steal_percent) << " | " << Num(w.iowait_percent)
     << " | " << Num(w.load_avg_mean) << " (max " << Num(w.load_avg_max) << ") |";
  return md.str();
}

}  // namespace

std::string MovedMark(const ScenarioResult& s) {
  return s.noise && s.noise->moved ? " (floor moved)" : "";
}

std::string NoiseSection(const RunReport& r) {
  if (!r.noise) return "";
  const RunNoise& n = *r.noise;
  std::ostringstream md;
  md << "### Noise\n\n"
     << "How busy the machine was while this run measured (BENCHMARKS.md, \"Noise\"). The "
        "echo floor is the raw NATS round trip: "
     << Num(n.probe_rate)
     << " probes a second, open loop, through the run's NATS server to a responder that does "
        "nothing ("
     << n.subject
     << "), each timed from its intended send; it moves when anything on the machine (or this "
        "run's own load) delays NATS or this process. Steal and iowait are % of all CPU time "
        "(/proc/stat); the load average is the 1-minute one (/proc/loadavg), on "
     << r.environment.cores << " cores.\n\n"
     << "| window | s | floor p50 ms | floor p99 ms | floor max ms | probes | steal % | "
        "iowait % | load avg | floor moved |\n|---|---|---|---|---|---|---|---|---|---|\n"
     << "| idle, before the first scenario | " << WindowCells(n.idle) << " - |\n"
     << "| the whole run | " << WindowCells(n.run) << " - |\n";
  std::string moved;
  for (const ScenarioResult& s : r.scenarios) {
    if (!s.noise) continue;
    md << "| " << s.name << " | " << WindowCells(s.noise->window) << " "
       << (s.noise->moved ? "**yes**: " + s.noise->why
                          : std::string(s.noise->by_steal_only ? "no (steal only)" : "no"))
       << " |\n";
    if (s.noise->moved) moved += (moved.empty() ? "" : ", ") + s.name;
  }
  md << "\nThe floor moved when " << n.rule
     << ". A timing target (latency, first commit after a restart, a burst's time, capacity) "
        "missed while it moved is DISTURBED rather than WARN or FAIL; lost events, failed "
        "requests and wrong rows are never excused. Taken while the floor moved: "
     << (moved.empty() ? "none" : moved) << ".\n\n";
  return md.str();
}

std::string ScenarioNoiseLine(const RunReport& r, const ScenarioResult& s) {
  if (!s.noise) return "";
  const NoiseWindow& w = s.noise->window;
  std::ostringstream md;
  md << "- Noise: echo floor ";
  if (w.floor_n > 0) {
    md << "p50 " << Num(w.floor_p50_ms) << " ms, p99 " << Num(w.floor_p99_ms) << " ms";
  } else {
    md << "not measured";
  }
  if (r.noise && r.noise->idle.floor_n > 0)
    md << " (idle p99 " << Num(r.noise->idle.floor_p99_ms) << " ms)";
  md << ", steal " << Num(w.steal_percent) << " %, load average " << Num(w.load_avg_mean) << ": ";
  if (s.noise->moved) {
    md << "**taken while the floor moved** (" << s.noise->why << ")";
  } else {
    md << "the floor held"
       << (s.noise->by_steal_only ? " (judged on steal: this scenario's own load raises the echo)"
                                  : "");
  }
  md << "\n";
  return md.str();
}

}  // namespace roseyd::report
