#pragma once

#include <string_view>

namespace roseyd {

// Facts fixed at build time, for `roseyd version`, /metrics and reports.
struct BuildInfo {
  std::string_view version;   // e.g. "0.1.0"
  std::string_view revision;  // short git hash, or "unknown"
  std::string_view compiler;  // e.g. "GNU 12.2.0"
};

const BuildInfo& GetBuildInfo();

}  // namespace roseyd
