// libFuzzer: the YAML config loader. Any input must either load or throw
// StartupError("config", ...) naming the file; anything else is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/startup_error.h"
#include "config/config_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/roseyd-fuzz-" + std::to_string(getpid()) + ".yaml";
  static const bool cleanup = [] {
    std::atexit([] { unlink(path.c_str()); });
    return true;
  }();
  (void)cleanup;
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) std::abort();
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  roseyd::ConfigSources sources;
  sources.file = path;
  try {
    (void)roseyd::LoadConfig(sources);
  } catch (const roseyd::StartupError& e) {
    if (std::string(e.what()).find(path) == std::string::npos) std::abort();  // names the file
  }
  return 0;
}
