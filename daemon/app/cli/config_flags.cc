#include "app/cli/config_flags.h"

#include <filesystem>
#include <utility>

#include <spdlog/spdlog.h>

#include "app/logging.h"

namespace roseyd::cli {

namespace {

// Flags that stand for one --set.
constexpr std::pair<std::string_view, std::string_view> kShortcuts[] = {
    {"--nats-url", "nats.url"},         {"--data-dir", "data_dir"},
    {"--db", "store.path"},             {"--metrics-listen", "metrics.listen"},
    {"--log-level", "log.level"},       {"--log-format", "log.format"}};

}  // namespace

bool ConfigFlags::Take(ArgReader* reader) {
  const std::string& arg = reader->arg();
  if (arg == "--config") {
    SetFile(reader->Value());
    return true;
  }
  if (arg == "--set") {
    const std::string kv = reader->Value();
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) reader->Fail("--set wants KEY=VALUE, got '" + kv + "'");
    Override(kv.substr(0, eq), kv.substr(eq + 1), "--set");
    return true;
  }
  for (const auto& [flag, key] : kShortcuts) {
    if (arg == flag) {
      Override(std::string(key), reader->Value(), std::string(flag));
      return true;
    }
  }
  return false;
}

void ConfigFlags::SetFile(std::string file) {
  sources_.file = std::move(file);
  file_given_ = true;
}

void ConfigFlags::Override(std::string key, std::string value, std::string flag) {
  sources_.overrides.emplace_back(std::move(key), std::move(value), std::move(flag));
}

bool ConfigFlags::Overrides(std::string_view key) const {
  for (const ConfigOverride& o : sources_.overrides) {
    if (o.key == key) return true;
  }
  return false;
}

Config ConfigFlags::Load() {
  sources_.env = ProcessEnvironment();
  if (!file_given_) {
    if (auto it = sources_.env.find("ROSEYD_CONFIG");
        it != sources_.env.end() && !it->second.empty()) {
      sources_.file = it->second;
    } else if (std::filesystem::exists("config/roseyd.yaml")) {
      sources_.file = "config/roseyd.yaml";
    }
  }
  return LoadConfig(sources_);
}

Config LoadConfigAndSetUpLogging(ConfigFlags* flags) {
  Config config = flags->Load();
  SetUpLogging(config.log.level, config.log.format);
  for (const std::string& warning : UnknownVariables(ProcessEnvironment())) {
    spdlog::warn("{}", warning);
  }
  return config;
}

}  // namespace roseyd::cli
