// roseyd: a drop-in DatabaseService for the Rosey CyTube bot over NATS.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/daemon.h"
#include "app/logging.h"
#include "app/stop_signals.h"
#include "bus/connection.h"
#include "bus/nats_library.h"
#include "base/build_info.h"
#include "base/startup_error.h"
#include "config/config_loader.h"
#include "loadgen/remote_target.h"
#include "loadgen/report_names.h"
#include "loadgen/runner.h"
#include "loadgen/scenario.h"

namespace {

constexpr char kUsage[] = R"(roseyd - a drop-in DatabaseService for the Rosey bot over NATS

Usage:
  roseyd run [--config FILE] [options]   run the daemon in the foreground
  roseyd bench [bench options] [options] run the benchmark suite and write its report
  roseyd check-config FILE [options]     validate a config file and print the result
  roseyd config-keys                     list every config key, its variable and default
  roseyd version                         print version, revision and compiler
  roseyd --help                          this text

Options (run and check-config):
  --config FILE          YAML config. Default: $ROSEYD_CONFIG, else config/roseyd.yaml
                         if it exists, else the built-in defaults (embedded NATS).
  --set KEY=VALUE        override one config key, e.g. --set store.batch_max_events=512
  --nats-url URL         = --set nats.url=URL (empty: start an embedded nats-server)
  --data-dir DIR         = --set data_dir=DIR
  --db PATH              = --set store.path=PATH
  --metrics-listen ADDR  = --set metrics.listen=ADDR (empty: no /metrics)
  --log-level LEVEL      = --set log.level=LEVEL
  --log-format FORMAT    = --set log.format=FORMAT (text or json)

Bench options:
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
  --suite NAME           quick (default, under 3 minutes), classic, full, or soak
  --scenario NAME        run only this scenario (repeatable; the suite's sizes apply)
  --scenarios FILE       = --set bench.scenarios_file=FILE (default: built-in config/scenarios.yaml)
  --list                 list the scenarios and suites, then exit
  --out DIR              where BENCHMARK_RESULTS.md, benchmark_results.json and charts/
                         go (default: bench-report)
  --baseline FILE        a benchmark_results.json to compare with; a figure worse by
                         more than --tolerance fails the run
  --tolerance PERCENT    regression tolerance (default 10)
  roseyd bench starts its own nats-server and service on a fresh database in a
  temporary folder (or --data-dir), unless --nats-url names a running roseyd to drive.
  Event latency runs from each intended send to the commit of its row, as the service
  observes it: in this process, or through its acknowledgement subject (one NATS hop
  later) with --nats-url. Against another process, cpu_overhead, memory_baseline,
  memory_stability, soak and service_restart are NOT RUN (they measure or restart the
  service in this process); that alone does not change the exit status.
  Exit status: 0 every P0 scenario passed, 1 a P0 failed or a figure regressed,
  2 a P0 scenario could not run, the roseyd at --nats-url does not acknowledge
  commits, or a usage error.

Precedence: defaults < config file < ROSEYD_* environment variables < flags.
SIGINT/SIGTERM stop intake, commit every received event, close sessions, exit 0.
Exit status: 0 clean stop, 1 start-up failure, 2 usage error.
)";

struct Invocation {
  std::string command;
  roseyd::ConfigSources sources;
  bool config_given = false;
  // bench
  std::string suite = "quick";
  std::vector<std::string> scenarios;
  std::string out_dir = "bench-report";
  std::string baseline;
  double tolerance = 10;
  bool list = false;
  bool data_dir_given = false;
  std::string remote_url;  // bench --nats-url: drive the roseyd serving there
  std::string ack_subject = "roseyd.commits";
  std::string db;  // --db
};

[[noreturn]] void UsageError(const std::string& message) {
  std::cerr << "roseyd: " << message << "\n(see roseyd --help)\n";
  std::exit(2);
}

Invocation ParseArgs(int argc, char** argv) {
  Invocation inv;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) UsageError("no command given");
  inv.command = args[0];
  if (inv.command == "-h" || inv.command == "--help" || inv.command == "help") {
    inv.command = "help";
    return inv;
  }
  const std::pair<const char*, const char*> kShortcuts[] = {
      {"--nats-url", "nats.url"},         {"--data-dir", "data_dir"},
      {"--db", "store.path"},             {"--metrics-listen", "metrics.listen"},
      {"--log-level", "log.level"},       {"--log-format", "log.format"}};
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) UsageError(arg + " needs a value");
      return args[++i];
    };
    if (arg == "-h" || arg == "--help") {
      inv.command = "help";
      return inv;
    }
    if (arg == "--config") {
      inv.sources.file = value();
      inv.config_given = true;
      continue;
    }
    if (arg == "--set") {
      const std::string kv = value();
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) UsageError("--set wants KEY=VALUE, got '" + kv + "'");
      inv.sources.overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
      continue;
    }
    if (inv.command == "bench" && arg == "--nats-url") {
      inv.remote_url = value();
      if (inv.remote_url.empty()) UsageError("--nats-url needs a URL");
      continue;
    }
    if (inv.command == "bench" && arg == "--ack-subject") {
      inv.ack_subject = value();
      continue;
    }
    bool matched = false;
    for (const auto& [flag, key] : kShortcuts) {
      if (arg == flag) {
        inv.sources.overrides.emplace_back(key, value());
        matched = true;
        break;
      }
    }
    if (matched) {
      if (arg == "--data-dir") inv.data_dir_given = true;
      if (arg == "--db") inv.db = inv.sources.overrides.back().second;
      continue;
    }
    if (inv.command == "bench") {
      if (arg == "--suite") {
        inv.suite = value();
        continue;
      }
      if (arg == "--scenario") {
        inv.scenarios.push_back(value());
        continue;
      }
      if (arg == "--scenarios") {
        inv.sources.overrides.emplace_back("bench.scenarios_file", value());
        continue;
      }
      if (arg == "--out") {
        inv.out_dir = value();
        continue;
      }
      if (arg == "--baseline") {
        inv.baseline = value();
        continue;
      }
      if (arg == "--list") {
        inv.list = true;
        continue;
      }
      if (arg == "--tolerance") {
        const std::string v = value();
        char* end = nullptr;
        inv.tolerance = std::strtod(v.c_str(), &end);
        if (end == v.c_str() || *end != '\0' || inv.tolerance < 0) {
          UsageError("--tolerance wants a percentage, got '" + v + "'");
        }
        continue;
      }
    }
    if (inv.command == "check-config" && !inv.config_given && !arg.starts_with("-")) {
      inv.sources.file = arg;
      inv.config_given = true;
      continue;
    }
    UsageError("unknown argument '" + arg + "'");
  }
  return inv;
}

// --config, else $ROSEYD_CONFIG, else config/roseyd.yaml when present.
void ResolveConfigFile(Invocation* inv) {
  inv->sources.env = roseyd::ProcessEnvironment();
  if (inv->config_given) return;
  if (auto it = inv->sources.env.find("ROSEYD_CONFIG"); it != inv->sources.env.end() &&
                                                        !it->second.empty()) {
    inv->sources.file = it->second;
  } else if (std::filesystem::exists("config/roseyd.yaml")) {
    inv->sources.file = "config/roseyd.yaml";
  }
}

int Run(Invocation inv) {
  // Before any thread exists, so that every thread inherits the mask.
  roseyd::BlockStopSignals();
  ResolveConfigFile(&inv);
  roseyd::Config config = roseyd::LoadConfig(inv.sources);
  roseyd::SetUpLogging(config.log.level, config.log.format);
  spdlog::info("roseyd {} ({}) starting with {}", roseyd::GetBuildInfo().version,
               roseyd::GetBuildInfo().revision,
               inv.sources.file.empty() ? std::string("built-in defaults")
                                        : "config " + inv.sources.file);
  roseyd::Daemon daemon(std::move(config));
  try {
    daemon.Start();
  } catch (...) {
    daemon.Shutdown();  // release what did start, in order, before reporting
    throw;
  }
  daemon.Run();
  daemon.Shutdown();
  spdlog::info("roseyd stopped cleanly");
  return 0;
}

bool HasOverride(const Invocation& inv, const std::string& key) {
  for (const auto& [k, v] : inv.sources.overrides) {
    if (k == key) return true;
  }
  return false;
}

// Runs the request against `target`; Ctrl-C cancels the run and the report
// still gets written.
roseyd::loadgen::RunReport RunBench(roseyd::loadgen::BenchTarget* target,
                                    roseyd::loadgen::LoadgenMetrics* metrics,
                                    const roseyd::loadgen::ScenarioCatalog& catalog,
                                    const Invocation& inv) {
  namespace lg = roseyd::loadgen;
  lg::Runner runner(target, metrics);
  std::atomic<bool> finished{false};
  std::thread canceller([&] {
    while (!finished) {
      if (roseyd::WaitForStopSignal(std::chrono::milliseconds(200)) != 0) {
        spdlog::warn("bench: cancelled; finishing the report with what ran");
        runner.Cancel();
      }
    }
  });
  lg::RunRequest request;
  request.suite = inv.suite;
  request.scenarios = inv.scenarios;
  lg::RunReport report;
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

int Bench(Invocation inv) {
  namespace lg = roseyd::loadgen;
  roseyd::BlockStopSignals();  // before any thread exists
  ResolveConfigFile(&inv);
  const bool remote = !inv.remote_url.empty();
  if (!remote && inv.ack_subject != Invocation().ack_subject) {
    UsageError("--ack-subject needs --nats-url (the roseyd to drive)");
  }
  // A bench has its own nats-server on a free port, its own fresh database,
  // and runs only what was asked for here; against a running roseyd it
  // starts neither and writes only the report.
  std::string temp_dir;
  if (!inv.data_dir_given && !remote) {
    char pattern[] = "/tmp/roseyd-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) throw std::runtime_error("cannot create a temporary data folder");
    temp_dir = pattern;
    inv.sources.overrides.emplace_back("data_dir", temp_dir);
  }
  inv.sources.overrides.emplace_back("nats.embedded.port", "0");
  inv.sources.overrides.emplace_back("bench.run_at_start", "");
  if (!HasOverride(inv, "metrics.listen")) inv.sources.overrides.emplace_back("metrics.listen", "");
  if (remote) {
    // Validated as a subject the same way the service validates it.
    inv.sources.overrides.emplace_back("service.commit_ack_subject", inv.ack_subject);
  }
  const roseyd::Config config = roseyd::LoadConfig(inv.sources);
  roseyd::SetUpLogging(config.log.level, config.log.format);

  lg::ScenarioCatalog catalog;
  try {
    catalog = lg::LoadScenarios(config.bench.scenarios_file);
  } catch (const std::invalid_argument& e) {
    UsageError(e.what());
  }
  if (inv.list) {
    for (const auto& name : catalog.Names()) {
      const auto spec = catalog.Get(name, "");
      std::cout << name << " (" << lg::PriorityName(spec.priority) << ", " << spec.category
                << "): " << spec.description << "\n";
    }
    for (const auto& [suite, names] : catalog.suites) {
      std::cout << "suite " << suite << ":";
      for (const auto& n : names) std::cout << " " << n;
      std::cout << "\n";
    }
    return 0;
  }
  if (catalog.suites.count(inv.suite) == 0) UsageError("no suite named '" + inv.suite + "'");
  for (const auto& name : inv.scenarios) {
    try {
      (void)catalog.Get(name, inv.suite);
    } catch (const std::invalid_argument& e) {
      UsageError(e.what());
    }
  }
  std::optional<lg::RunReport> baseline;
  if (!inv.baseline.empty()) {
    try {
      baseline = lg::ReadReportJson(inv.baseline);
    } catch (const std::exception& e) {
      UsageError(std::string("--baseline: ") + e.what());
    }
  }

  lg::RunReport report;
  if (remote) {
    roseyd::bus::NatsLibrary nats_library;
    lg::RemoteTargetOptions options;
    options.nats_url = inv.remote_url;
    options.subject_prefix = config.service.subject_prefix;
    options.ack_subject = config.service.commit_ack_subject;
    options.database_path = inv.db;
    if (!inv.db.empty() && !std::filesystem::exists(inv.db)) {
      UsageError("--db: no file '" + inv.db + "' (the running roseyd's database, read-only)");
    }
    std::string why;
    {
      lg::RemoteTarget target(options);
      spdlog::info("bench: driving the roseyd on {} (subjects {}.>, acknowledgements on {}); "
                   "persisted counted {}",
                   roseyd::bus::RedactUrl(options.nats_url), options.subject_prefix,
                   options.ack_subject,
                   inv.db.empty() ? std::string("from the acknowledgements") : "in " + inv.db);
      if (!target.Probe(std::chrono::seconds(5), &why)) {
        spdlog::critical("bench: cannot drive the roseyd on {}: {}",
                         roseyd::bus::RedactUrl(options.nats_url), why);
        return 2;
      }
      report = RunBench(&target, nullptr, catalog, inv);
      if (target.MalformedAcks() > 0) {
        spdlog::warn("bench: {} messages on {} were not commit acknowledgements",
                     target.MalformedAcks(), options.ack_subject);
      }
    }
    report.target = "roseyd in another process at NATS " + roseyd::bus::RedactUrl(options.nats_url) +
                    " (commit acknowledgements on " + options.ack_subject + ")";
  } else {
    roseyd::Daemon daemon(config);
    try {
      daemon.Start();
    } catch (...) {
      daemon.Shutdown();
      throw;
    }
    report = RunBench(daemon.bench_target(), daemon.loadgen_metrics(), catalog, inv);
    daemon.Shutdown();
    report.target = config.nats.url.empty() ? "embedded nats-server and service, in this process"
                                            : "service in this process, NATS at " +
                                                  roseyd::bus::RedactUrl(config.nats.url);
  }
  std::string config_yaml = roseyd::DescribeConfig(config);
  if (remote) {
    config_yaml = "# this load generator's config; the driven roseyd's is not known here\n" +
                  config_yaml;
  }
  report.environment = lg::DescribeEnvironment(config_yaml);
  report.tolerance_percent = inv.tolerance;
  if (baseline) {
    report.baseline_file = inv.baseline;
    lg::CompareToBaseline(&report, *baseline);
  }
  lg::WriteReport(report, inv.out_dir);
  if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);

  std::cout << "\n" << report.suite << " suite, " << static_cast<int>(report.duration_s) << " s:\n";
  for (const auto& r : report.scenarios) {
    std::cout << "  " << std::string(lg::VerdictName(r.status)) << "  " << r.name;
    for (const auto& f : r.figures) {
      if (f.target) std::cout << "  " << f.metric << "=" << f.value;
    }
    if (!r.note.empty() && r.status == lg::Verdict::kNotRun) std::cout << "  (" << r.note << ")";
    std::cout << "\n";
  }
  for (const auto& c : report.comparisons) {
    if (c.regressed) {
      std::cout << "  REGRESSED " << c.scenario << " " << c.metric << ": " << c.baseline << " -> "
                << c.current << " (" << c.change_percent << " %)\n";
    }
  }
  std::cout << "report: " << std::filesystem::absolute(inv.out_dir) / "BENCHMARK_RESULTS.md" << "\n";
  return lg::ExitStatus(report);
}

int CheckConfig(Invocation inv) {
  if (!inv.config_given) UsageError("check-config needs a FILE");
  inv.sources.env = roseyd::ProcessEnvironment();
  const roseyd::Config config = roseyd::LoadConfig(inv.sources);
  std::cout << inv.sources.file << ": OK\n"
            << "  database:  " << config.StoreDescription() << "\n"
            << "  nats:      " << (config.nats.url.empty() ? "embedded nats-server on " +
                                                                 config.nats.embedded.host + ":" +
                                                                 std::to_string(config.nats.embedded.port)
                                                           : roseyd::bus::RedactUrl(config.nats.url))
            << "\n"
            << "  metrics:   " << (config.metrics.listen.empty() ? "off" : config.metrics.listen)
            << "\n";
  return 0;
}

int ConfigKeys() {
  for (const auto& key : roseyd::ConfigKeys()) {
    std::cout << key.key << " (" << key.env << ", default '" << key.default_value
              << "'): " << key.help << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Invocation inv = ParseArgs(argc, argv);
  try {
    if (inv.command == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (inv.command == "version") {
      const auto& info = roseyd::GetBuildInfo();
      std::cout << "roseyd " << info.version << " (revision " << info.revision << ", "
                << info.compiler << ")\n";
      return 0;
    }
    if (inv.command == "run") return Run(inv);
    if (inv.command == "bench") return Bench(inv);
    if (inv.command == "check-config") return CheckConfig(inv);
    if (inv.command == "config-keys") return ConfigKeys();
    UsageError("unknown command '" + inv.command + "'");
  } catch (const roseyd::StartupError& e) {
    spdlog::critical("cannot start: {}", e.what());
    return 1;
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
