#pragma once

#include <string>
#include <string_view>

#include "app/cli/command.h"
#include "config/config.h"
#include "config/config_loader.h"

namespace roseyd::cli {

// The options of every command that reads the config: --config FILE,
// --set KEY=VALUE and their shortcuts (--nats-url, --data-dir, --db,
// --metrics-listen, --log-level, --log-format), and how they become a
// Config: defaults < file < ROSEYD_* variables < flags.
//
// Thread: confined to the caller.
class ConfigFlags {
 public:
  // The option text every command's help shows for these flags.
  static constexpr std::string_view kHelp =
      R"(  --config FILE          YAML config. Default: $ROSEYD_CONFIG, else config/roseyd.yaml
                         if it exists, else the built-in defaults (embedded NATS).
  --set KEY=VALUE        override one config key, e.g. --set store.batch_max_events=512;
                         VALUE is YAML: a list [a, b], a section's keys {user: u},
                         "quoted text"; nothing at all is empty
  --nats-url URL         = --set nats.url=URL (empty: start an embedded nats-server)
  --data-dir DIR         = --set data_dir=DIR
  --db PATH              = --set store.path=PATH (refused beside store.url: PostgreSQL)
  --metrics-listen ADDR  = --set metrics.listen=ADDR (empty: no /metrics)
  --log-level LEVEL      = --set log.level=LEVEL
  --log-format FORMAT    = --set log.format=FORMAT (text or json)
)";

  // If the current argument of *reader is one of these options, consumes it
  // (and its value) and returns true; otherwise consumes nothing.
  bool Take(ArgReader* reader);

  // The config file to read, as --config FILE gives it.
  void SetFile(std::string file);
  bool file_given() const { return file_given_; }
  // As `flag` gives it ("--set": VALUE is YAML; another flag, such as
  // --db: taken as written); later overrides win.
  void Override(std::string key, std::string value, std::string flag);
  bool Overrides(std::string_view key) const;

  // Resolves the file (--config, else $ROSEYD_CONFIG, else
  // config/roseyd.yaml when it exists), reads the environment, then loads
  // and validates the config. Throws StartupError naming the file, variable
  // or flag and the key.
  Config Load();
  // The file Load() read; empty for the built-in defaults.
  const std::string& file() const { return sources_.file; }

 private:
  ConfigSources sources_;
  bool file_given_ = false;
};

// ConfigFlags::Load(), then the log set up as the config says (stderr), then
// one warning for each ROSEYD_* variable that is no setting, with the
// closest real ones. What every command that reads the config runs first.
Config LoadConfigAndSetUpLogging(ConfigFlags* flags);

}  // namespace roseyd::cli
