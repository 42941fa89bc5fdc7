// roseyd: a drop-in DatabaseService for the Rosey CyTube bot over NATS.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/daemon.h"
#include "app/logging.h"
#include "bus/connection.h"
#include "base/build_info.h"
#include "base/startup_error.h"
#include "config/config_loader.h"

namespace {

constexpr char kUsage[] = R"(roseyd - a drop-in DatabaseService for the Rosey bot over NATS

Usage:
  roseyd run [--config FILE] [options]   run the daemon in the foreground
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

Precedence: defaults < config file < ROSEYD_* environment variables < flags.
SIGINT/SIGTERM stop intake, commit every received event, close sessions, exit 0.
Exit status: 0 clean stop, 1 start-up failure, 2 usage error.
)";

struct Invocation {
  std::string command;
  roseyd::ConfigSources sources;
  bool config_given = false;
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
    bool matched = false;
    for (const auto& [flag, key] : kShortcuts) {
      if (arg == flag) {
        inv.sources.overrides.emplace_back(key, value());
        matched = true;
        break;
      }
    }
    if (matched) continue;
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
  // Block the stop signals before any thread exists so every thread inherits
  // the mask and Daemon::Run can take them synchronously with sigtimedwait.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

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

int CheckConfig(Invocation inv) {
  if (!inv.config_given) UsageError("check-config needs a FILE");
  inv.sources.env = roseyd::ProcessEnvironment();
  const roseyd::Config config = roseyd::LoadConfig(inv.sources);
  std::cout << inv.sources.file << ": OK\n"
            << "  database:  " << config.DatabasePath() << "\n"
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
