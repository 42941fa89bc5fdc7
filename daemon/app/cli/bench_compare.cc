#include "app/cli/bench_compare.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>
#include <tuple>

#include <spdlog/spdlog.h>

#include "app/stop_signals.h"
#include "base/child_process.h"
#include "report/ab_comparison.h"
#include "report/report_files.h"

namespace roseyd::cli {

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// A side's whole bench takes minutes at most; one taking this long is stuck.
constexpr std::chrono::minutes kRunLimit{30};

std::string UtcNow() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

// Runs one side's `roseyd bench` and reads its report.
report::AbRun RunSide(const std::string& executable, const std::vector<std::string>& names,
                      const CompareOptions& options, const std::string& catalog_file,
                      const fs::path& out, const std::atomic<bool>& cancelled) {
  report::AbRun run;
  run.out_dir = out.string();
  std::vector<std::string> argv = {executable, "bench", "--scenarios", catalog_file, "--suite",
                                   options.suite, "--out", out.string(), "--log-level", "warn"};
  for (const std::string& name : names) argv.insert(argv.end(), {"--scenario", name});
  // No bot beside a comparison: its probe would spend 3 s per run measuring
  // the stand-in service idle, then send it requests during the burst.
  argv.insert(argv.end(), {"--set", "bench.bot_probe_rate=0"});
  argv.insert(argv.end(), options.config_args.begin(), options.config_args.end());
  ChildOptions child;
  child.log_path = out.string() + ".log";
  child.deadline = Clock::now() + kRunLimit;
  child.cancelled = &cancelled;
  const Clock::time_point began = Clock::now();
  try {
    const ChildExit exit = RunChild(argv, child);
    run.exit_status = exit.status;
    if (exit.status < 0) run.problem = exit.Describe();
  } catch (const std::exception& e) {
    run.exit_status = -1;
    run.problem = e.what();
  }
  run.seconds = std::chrono::duration<double>(Clock::now() - began).count();
  const fs::path json = out / "benchmark_results.json";
  if (fs::exists(json)) {
    try {
      run.report = report::ReadReportJson(json);
    } catch (const std::exception& e) {
      run.problem = e.what();
    }
  } else if (run.problem.empty()) {
    run.problem = "no report (exit status " + std::to_string(run.exit_status) + "): " +
                  FileTail(child.log_path, 400);
  }
  return run;
}

std::string VersionOf(const std::vector<report::AbRun>& runs, const std::string& role) {
  for (const report::AbRun& run : runs) {
    if (run.role == role && run.report) {
      const report::Environment& e = run.report->environment;
      return e.roseyd_version + ", revision " + e.roseyd_revision;
    }
  }
  return "unknown";
}

void PrintSummary(const report::AbComparison& c, const std::string& out_dir) {
  std::cout << "\n" << c.cost_rounds << " cost rounds, " << c.rounds << " timed rounds, "
            << static_cast<int>(c.duration_s) << " s:\n";
  for (const report::AbFigure& f : c.figures) {
    if (!f.judged) continue;
    char line[256];
    std::snprintf(line, sizeof(line), "  %-10s %s %s: ratio %.3f [%.3f, %.3f], detectable %.1f %%\n",
                  std::string(report::AbVerdictName(f.result.verdict)).c_str(), f.scenario.c_str(),
                  f.metric.c_str(), f.result.ratio, f.result.ci_low, f.result.ci_high,
                  100 * f.result.detectable);
    std::cout << line;
  }
  for (const std::string& p : c.problems) std::cout << "  could not compare: " << p << "\n";
  std::cout << "report: " << fs::absolute(out_dir) / "COMPARISON.md" << "\n";
}

}  // namespace

int RunCompare(const CompareOptions& options, const loadgen::ScenarioCatalog& catalog) {
  const std::string base = FindOnPath(options.other);
  const std::string candidate =
      options.candidate.empty() ? SelfExecutable() : FindOnPath(options.candidate);
  for (const auto& [flag, given, found] : {std::tuple{"--compare", options.other, base},
                                           std::tuple{"--candidate", options.candidate, candidate}}) {
    if (found.empty()) {
      std::cerr << "roseyd bench: " << flag << ": '" << given
                << "' is not an executable (another roseyd, or a script that execs one)\n";
      return 2;
    }
  }
  std::vector<std::string> names = options.scenarios;
  if (names.empty()) names = catalog.suites.at(options.suite);
  std::vector<std::string> cost;
  std::vector<std::string> timed;
  for (const std::string& name : names) {
    const bool counted = catalog.Get(name, options.suite).kind == loadgen::ScenarioKind::kCost;
    (counted ? cost : timed).push_back(name);
  }
  const fs::path out = options.out_dir;
  fs::create_directories(out / "rounds");
  const std::string catalog_file = (out / "scenarios.yaml").string();
  std::ofstream(catalog_file) << catalog.source_yaml_;

  report::AbComparison c;
  c.started_utc = UtcNow();
  c.suite = options.suite;
  c.scenarios = names;
  c.cost_rounds = cost.empty() ? 0 : options.cost_rounds;
  c.rounds = timed.empty() ? 0 : options.rounds;
  c.tolerance_percent = options.tolerance_percent;
  c.base = {"base", options.other, ""};
  c.candidate = {"candidate", options.candidate.empty() ? candidate : options.candidate, ""};

  std::atomic<bool> cancelled{false};
  std::atomic<bool> finished{false};
  std::thread canceller([&] {
    while (!finished) {
      if (WaitForStopSignal(std::chrono::milliseconds(200)) != 0) {
        spdlog::warn("bench --compare: cancelled; comparing the rounds that ran");
        cancelled = true;
      }
    }
  });
  const auto run_side = [&](const std::string& phase, int round, bool is_base, int position,
                            const std::vector<std::string>& round_names) {
    const std::string role = is_base ? "base" : "candidate";
    char dir[48];
    std::snprintf(dir, sizeof(dir), "%s%02d-%s", phase.c_str(), round, role.c_str());
    report::AbRun run = RunSide(is_base ? base : candidate, round_names, options, catalog_file,
                                out / "rounds" / dir, cancelled);
    run.phase = phase;
    run.round = round;
    run.role = role;
    run.position = position;
    return run;
  };
  const auto progress = [&](const report::AbRun& run, int rounds) {
    std::cout << run.phase << " round " << run.round << "/" << rounds << " " << run.role << ": "
              << static_cast<int>(run.seconds) << " s, exit status " << run.exit_status
              << (run.problem.empty() ? "" : " (" + run.problem.substr(0, 200) + ")") << "\n"
              << std::flush;
  };
  const Clock::time_point began = Clock::now();
  // Cost: both sides at once. Instruction counts do not depend on what else
  // runs, and valgrind keeps each to one core.
  for (int round = 1; round <= c.cost_rounds && !cancelled; ++round) {
    report::AbRun candidate_run;
    std::thread beside([&] { candidate_run = run_side("cost", round, false, 0, cost); });
    report::AbRun base_run = run_side("cost", round, true, 0, cost);
    beside.join();
    for (report::AbRun* run : {&base_run, &candidate_run}) {
      progress(*run, c.cost_rounds);
      c.runs.push_back(std::move(*run));
    }
  }
  // Timed: one after the other; ABBA, the side that goes first alternates
  // so that an order effect (a warm page cache, a neighbour that starts)
  // hits both alike.
  for (int round = 1; round <= c.rounds && !cancelled; ++round) {
    const bool base_first = round % 2 == 1;
    for (int position = 0; position < 2 && !cancelled; ++position) {
      report::AbRun run = run_side("timed", round, (position == 0) == base_first, position, timed);
      progress(run, c.rounds);
      c.runs.push_back(std::move(run));
    }
  }
  finished = true;
  canceller.join();
  c.duration_s = std::chrono::duration<double>(Clock::now() - began).count();
  c.base.version = VersionOf(c.runs, "base");
  c.candidate.version = VersionOf(c.runs, "candidate");
  for (const report::AbRun& run : c.runs) {
    if (run.role == "candidate" && run.report) {
      c.environment = run.report->environment;
      break;
    }
  }
  report::CompareRuns(&c);
  if (cancelled) c.problems.push_back("cancelled after " + std::to_string(c.runs.size()) + " runs");
  report::WriteComparison(c, out);
  PrintSummary(c, options.out_dir);
  return report::AbExitStatus(c);
}

}  // namespace roseyd::cli
