// roseyd bench: the benchmark suite against a service of its own (or a
// running roseyd), then its report.

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/cli/bench_compare.h"
#include "app/cli/commands.h"
#include "app/cli/config_flags.h"
#include "app/daemon.h"
#include "app/stop_signals.h"
#include "base/scratch_dir.h"
#include "bus/connection.h"
#include "bus/nats_library.h"
#include "config/nats_url.h"
#include "app/nats_client_options.h"
#include "loadgen/remote_target.h"
#include "loadgen/runner.h"
#include "loadgen/scenario.h"
#include "report/baseline.h"
#include "report/exit_status.h"
#include "report/report_files.h"
#include "report/results.h"

namespace roseyd::cli {

namespace {

namespace lg = loadgen;

std::string Help() {
  return R"(Usage: roseyd bench [options]
       roseyd bench --nats-url URL [--ack-subject SUBJECT] [--db FILE] [options]
       roseyd bench --compare OTHER [--rounds N] [--cost-rounds N] [options]

Runs the scenarios of the catalog (config/scenarios.yaml; what each figure means:
docs/BENCHMARKS.md) and writes BENCHMARK_RESULTS.md, benchmark_results.json and
charts/ to --out. By default it starts its own nats-server and service on a fresh
database in a temporary folder (removed afterwards), unless --nats-url names a
running roseyd to drive.

Options:
  --suite NAME           quick (default, under 3 minutes), classic, full, soak, or
                         failover (with --set bench.store_url=postgresql://...)
  --scenario NAME        run only this scenario (repeatable; the suite's sizes apply)
  --scenarios FILE       = --set bench.scenarios_file=FILE (default: built-in config/scenarios.yaml)
  --list                 list the scenarios and suites, then exit
  --out DIR              where the report goes (default: bench-report)
  --baseline FILE        a benchmark_results.json to compare with; a figure worse by
                         more than --tolerance fails the run
  --tolerance PERCENT    regression tolerance (default 10)
  --compare OTHER        A/B on this machine: run the scenarios with OTHER (another
                         roseyd build, or a script that execs one: the base) and with
                         this binary (the candidate), alternating within each round,
                         then compare every figure over the rounds and write
                         comparison.json and COMPARISON.md to --out (default
                         bench-compare). Default suite: compare (the cost figures, a
                         burst, the request round trip). See docs/BENCHMARKS.md.
  --rounds N             --compare: interleaved rounds (default 20; 8 or more are
                         needed to call a timed figure slower or faster)
  --cost-rounds N        --compare: rounds of the cost figures, both sides at once
                         (default 2: instruction counts repeat)
  --candidate EXE        --compare: the candidate side (default: this binary)
  --nats-url URL         drive the roseyd already serving on this NATS server instead of
                         starting one: it must run with service.commit_ack_subject set
                         (e.g. --set service.commit_ack_subject=roseyd.commits). To run
                         the service in this process on an existing NATS server instead,
                         use --set nats.url=URL.
  --ack-subject SUBJECT  with --nats-url: that roseyd's service.commit_ack_subject
                         (default roseyd.commits)
  --db FILE              with --nats-url: that roseyd's SQLite file, if readable here, to
                         count persisted rows in it (without it, persisted is counted from
                         the acknowledgements and mixed_event_types cannot check its rows)
  --config FILE, --set KEY=VALUE, --data-dir DIR, --metrics-listen ADDR,
  --log-level LEVEL, --log-format FORMAT
                         as for roseyd run (see roseyd run --help); --data-dir keeps
                         the bench's database there instead of a temporary folder
  -h, --help             this text

Event latency runs from each intended send to the commit of its row, as the service
observes it: in this process, or through its acknowledgement subject (one NATS hop
later) with --nats-url. Against another process, cpu_overhead, memory_baseline,
memory_stability, soak, service_restart and failover are NOT RUN (they measure or
restart the service in this process); so is failover without bench.store_url (a
PostgreSQL database it may use). That alone does not change the exit status. SIGINT/SIGTERM
cancel the run; the report still gets written.
Exit status: 0 every P0 scenario passed, 1 a P0 failed or a figure regressed,
2 a P0 scenario could not run, the roseyd at --nats-url does not acknowledge
commits, or a usage error. With --compare: 0 no judged figure is slower beyond
--tolerance with confidence, 1 one is, 2 the run could not compare.
)";
}

const std::string kHelp = Help();

struct BenchOptions {
  std::string suite = "quick";
  std::vector<std::string> scenarios;
  std::string out_dir = "bench-report";
  std::string baseline;
  double tolerance = 10;
  bool list = false;
  bool data_dir_given = false;
  std::string remote_url;  // --nats-url: drive the roseyd serving there
  std::string ack_subject = "roseyd.commits";
  std::string db;  // --db
  std::optional<CompareOptions> compare;  // --compare OTHER
};

void Fail(const std::string& message) { UsageError(kBenchCommand.name, message); }

int PositiveInt(ArgReader* reader, const std::string& flag) {
  const std::string v = reader->Value();
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (end == v.c_str() || *end != '\0' || n < 1 || n > 1000) {
    reader->Fail(flag + " wants a number from 1 to 1000, got '" + v + "'");
  }
  return static_cast<int>(n);
}

BenchOptions ParseBenchArgs(const std::vector<std::string>& args, ConfigFlags* flags) {
  BenchOptions options;
  CompareOptions compare;
  bool ack_given = false;
  bool suite_given = false;
  bool out_given = false;
  std::vector<std::string> not_with_compare;
  ArgReader reader(kBenchCommand, args);
  while (reader.Next()) {
    const std::string& arg = reader.arg();
    const std::size_t at = reader.consumed() - 1;
    if (arg == "--compare") {
      compare.other = reader.Value();
      if (compare.other.empty()) reader.Fail("--compare needs an executable");
      options.compare = compare;
    } else if (arg == "--candidate") {
      compare.candidate = reader.Value();
    } else if (arg == "--rounds") {
      compare.rounds = PositiveInt(&reader, arg);
    } else if (arg == "--cost-rounds") {
      compare.cost_rounds = PositiveInt(&reader, arg);
    } else if (arg == "--nats-url") {
      not_with_compare.push_back(arg);
      options.remote_url = reader.Value();
      if (options.remote_url.empty()) reader.Fail("--nats-url needs a URL");
      if (std::string problem = CheckNatsUrls(options.remote_url); !problem.empty()) {
        reader.Fail("--nats-url: " + problem);
      }
    } else if (arg == "--ack-subject") {
      options.ack_subject = reader.Value();
      ack_given = true;
    } else if (arg == "--db") {
      not_with_compare.push_back(arg);
      options.db = reader.Value();
      flags->Override("store.path", options.db, "--db");
    } else if (arg == "--data-dir") {
      not_with_compare.push_back(arg);
      flags->Override("data_dir", reader.Value(), "--data-dir");
      options.data_dir_given = true;
    } else if (arg == "--suite") {
      options.suite = reader.Value();
      suite_given = true;
    } else if (arg == "--scenario") {
      options.scenarios.push_back(reader.Value());
    } else if (arg == "--scenarios") {
      flags->Override("bench.scenarios_file", reader.Value(), "--scenarios");
    } else if (arg == "--out") {
      options.out_dir = reader.Value();
      out_given = true;
    } else if (arg == "--baseline") {
      not_with_compare.push_back(arg);
      options.baseline = reader.Value();
    } else if (arg == "--list") {
      options.list = true;
    } else if (arg == "--tolerance") {
      const std::string v = reader.Value();
      char* end = nullptr;
      options.tolerance = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || options.tolerance < 0) {
        reader.Fail("--tolerance wants a percentage, got '" + v + "'");
      }
    } else if (flags->Take(&reader)) {
      // Both sides of a comparison read the config the same way.
      compare.config_args.insert(compare.config_args.end(), args.begin() + static_cast<std::ptrdiff_t>(at),
                                 args.begin() + static_cast<std::ptrdiff_t>(reader.consumed()));
    } else {
      reader.Unknown();
    }
  }
  if (options.remote_url.empty() && ack_given) {
    Fail("--ack-subject needs --nats-url (the roseyd to drive)");
  }
  if (options.compare) {
    if (!not_with_compare.empty()) {
      Fail(not_with_compare.front() + " does not go with --compare (each side runs its own "
           "service on a fresh database)");
    }
    compare.suite = suite_given ? options.suite : "compare";
    compare.scenarios = options.scenarios;
    compare.tolerance_percent = options.tolerance;
    if (out_given) compare.out_dir = options.out_dir;
    options.suite = compare.suite;
    options.compare = compare;
  } else if (compare.rounds != CompareOptions{}.rounds ||
             compare.cost_rounds != CompareOptions{}.cost_rounds || !compare.candidate.empty()) {
    Fail("--rounds, --cost-rounds and --candidate go with --compare");
  }
  return options;
}

void PrintList(const lg::ScenarioCatalog& catalog) {
  for (const auto& name : catalog.Names()) {
    const auto spec = catalog.Get(name, "");
    std::cout << name << " (" << report::PriorityName(spec.priority) << ", " << spec.category
              << "): " << spec.description << "\n";
  }
  for (const auto& [suite, names] : catalog.suites) {
    std::cout << "suite " << suite << ":";
    for (const auto& n : names) std::cout << " " << n;
    std::cout << "\n";
  }
}

// Runs the request against `target`; Ctrl-C cancels the run and the report
// still gets written.
report::RunReport RunSuite(lg::BenchTarget* target, lg::LoadgenMetrics* metrics,
                           const lg::ScenarioCatalog& catalog, const BenchOptions& options,
                           double bot_probe_rate) {
  lg::Runner runner(target, metrics);
  std::atomic<bool> finished{false};
  std::thread canceller([&] {
    while (!finished) {
      if (WaitForStopSignal(std::chrono::milliseconds(200)) != 0) {
        spdlog::warn("bench: cancelled; finishing the report with what ran");
        runner.Cancel();
      }
    }
  });
  lg::RunRequest request;
  request.suite = options.suite;
  request.scenarios = options.scenarios;
  request.bot_probe_rate = bot_probe_rate;
  report::RunReport report;
  try {
    report = runner.RunSuite(catalog, request);
  } catch (...) {
    finished = true;
    canceller.join();
    throw;
  }
  finished = true;
  canceller.join();
  return report;
}

// Drives the roseyd serving on options.remote_url; nullopt when it cannot.
std::optional<report::RunReport> RunRemote(const Config& config, const lg::ScenarioCatalog& catalog,
                                           const BenchOptions& options) {
  bus::NatsLibrary nats_library;
  lg::RemoteTargetOptions target_options;
  target_options.nats_url = options.remote_url;
  target_options.subject_prefix = config.service.subject_prefix;
  target_options.ack_subject = config.service.commit_ack_subject;
  target_options.database_path = options.db;
  target_options.connection = NatsClientOptions(config.nats, options.remote_url);
  target_options.config_used = DescribeConfig(config);
  report::RunReport report;
  {
    lg::RemoteTarget target(target_options);
    spdlog::info("bench: driving the roseyd on {} (subjects {}.>, acknowledgements on {}); "
                 "persisted counted {}",
                 bus::RedactUrl(options.remote_url), target_options.subject_prefix,
                 target_options.ack_subject,
                 options.db.empty() ? std::string("from the acknowledgements") : "in " + options.db);
    std::string why;
    if (!target.Probe(std::chrono::seconds(5), &why)) {
      spdlog::critical("bench: cannot drive the roseyd on {}: {}",
                       bus::RedactUrl(options.remote_url), why);
      return std::nullopt;
    }
    report = RunSuite(&target, nullptr, catalog, options, /*bot_probe_rate=*/0);
    if (target.MalformedAcks() > 0) {
      spdlog::warn("bench: {} messages on {} were not commit acknowledgements",
                   target.MalformedAcks(), target_options.ack_subject);
    }
  }
  report.target = "roseyd in another process at NATS " + bus::RedactUrl(options.remote_url) +
                  " (commit acknowledgements on " + target_options.ack_subject + ")";
  return report;
}

// Runs the service in this process on `config` and drives it.
report::RunReport RunInProcess(const Config& config, const lg::ScenarioCatalog& catalog,
                               const BenchOptions& options) {
  Daemon daemon(config);
  try {
    daemon.Start();
  } catch (...) {
    daemon.Shutdown();
    throw;
  }
  report::RunReport report = RunSuite(daemon.bench_target(), daemon.loadgen_metrics(), catalog,
                                      options, config.bench.bot_probe_rate);
  daemon.Shutdown();
  report.target = std::string("the load generator's own service instance in this process, ") +
                  (config.nats.url.empty() ? "embedded nats-server"
                                           : "NATS at " + bus::RedactUrl(config.nats.url));
  return report;
}

void PrintSummary(const report::RunReport& report, const std::string& out_dir) {
  std::cout << "\n" << report.suite << " suite, " << static_cast<int>(report.duration_s) << " s:\n";
  for (const auto& r : report.scenarios) {
    std::cout << "  " << std::string(report::VerdictName(r.status)) << "  " << r.name;
    for (const auto& f : r.figures) {
      if (f.target) std::cout << "  " << f.metric << "=" << f.value;
    }
    if (!r.note.empty() &&
        (r.status == report::Verdict::kNotRun || r.status == report::Verdict::kCancelled)) {
      std::cout << "  (" << r.note << ")";
    }
    std::cout << "\n";
  }
  for (const auto& c : report.comparisons) {
    if (c.regressed) {
      std::cout << "  REGRESSED " << c.scenario << " " << c.metric << ": " << c.baseline << " -> "
                << c.current << " (" << c.change_percent << " %)\n";
    }
  }
  std::cout << "report: " << std::filesystem::absolute(out_dir) / "BENCHMARK_RESULTS.md" << "\n";
}

int BenchMain(const std::vector<std::string>& args) {
  ConfigFlags flags;
  const BenchOptions options = ParseBenchArgs(args, &flags);
  const bool remote = !options.remote_url.empty();
  BlockStopSignals();  // before any thread exists
  // A bench has its own nats-server on a free port, its own fresh database,
  // and runs only what was asked for here; against a running roseyd it
  // starts neither and writes only the report.
  flags.Override("nats.embedded.port", "0", "bench");
  flags.Override("bench.run_at_start", "", "bench");
  if (!flags.Overrides("metrics.listen")) flags.Override("metrics.listen", "", "bench");
  if (remote) {
    // Validated as a subject the same way the service validates it.
    flags.Override("service.commit_ack_subject", options.ack_subject, "--ack-subject");
  }
  Config config = LoadConfigAndSetUpLogging(&flags);

  lg::ScenarioCatalog catalog;
  try {
    catalog = lg::LoadScenarios(config.bench.scenarios_file);
  } catch (const std::invalid_argument& e) {
    Fail(e.what());
  }
  if (options.list) {
    PrintList(catalog);
    return kExitOk;
  }
  if (catalog.suites.count(options.suite) == 0) Fail("no suite named '" + options.suite + "'");
  for (const auto& name : options.scenarios) {
    try {
      (void)catalog.Get(name, options.suite);
    } catch (const std::invalid_argument& e) {
      Fail(e.what());
    }
  }
  std::optional<report::RunReport> baseline;
  if (!options.baseline.empty()) {
    try {
      baseline = report::ReadReportJson(options.baseline);
    } catch (const std::exception& e) {
      Fail(std::string("--baseline: ") + e.what());
    }
  }
  if (options.compare) return RunCompare(*options.compare, catalog);
  if (remote && !options.db.empty() && !std::filesystem::exists(options.db)) {
    Fail("--db: no file '" + options.db + "' (the running roseyd's database, read-only)");
  }

  // Only now, past every usage error (which exits without cleaning up).
  std::optional<ScratchDir> scratch;
  if (!options.data_dir_given && !remote) {
    scratch.emplace("roseyd-bench");
    config.data_dir = scratch->path();
  }
  report::RunReport report;
  if (remote) {
    std::optional<report::RunReport> ran = RunRemote(config, catalog, options);
    if (!ran) return kExitUsage;
    report = std::move(*ran);
  } else {
    report = RunInProcess(config, catalog, options);
  }
  report.tolerance_percent = options.tolerance;
  if (baseline) {
    report.baseline_file = options.baseline;
    report::CompareToBaseline(&report, *baseline);
  }
  report::WriteReport(report, options.out_dir);
  PrintSummary(report, options.out_dir);
  return report::ExitStatus(report);
}

}  // namespace

const Command kBenchCommand{"bench", "run the benchmark suite and write its report", kHelp,
                            BenchMain};

}  // namespace roseyd::cli
