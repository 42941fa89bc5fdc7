#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "loadgen/runner.h"
#include "loadgen/scenario.h"

namespace roseyd::loadgen {

// The load generator's control requests (docs/BENCHMARKS.md, "Control subjects"): one
// JSON object per request, every request carrying "token".
//
//   list:                  {"token": "...", "suite": "quick"}
//   status, cancel:        {"token": "..."}
//   start:                 {"token": "...", "suite": "quick",
//                           "scenarios": ["burst", ...], "rate": 500,
//                           "duration_s": 30}
//
// "suite" names a suite of the catalog (list: whose sizes to show, quick
// by default, the sizes `start --scenario` runs); "scenarios" a non-empty list of its
// scenarios, each once (with "suite", that suite's sizes apply); "rate"
// (events/s, 0 < rate <= bench.control.max_rate) and "duration_s" (0 <
// duration_s <= bench.control.max_duration) set every paced scenario's
// offered rate and load duration. Any other field is refused.

inline constexpr const char* kControlVerbs[] = {"list", "start", "status", "cancel"};

struct ControlLimits {
  double max_rate = 20000;                              // bench.control.max_rate
  std::chrono::milliseconds max_duration{600000};       // bench.control.max_duration
};

// A request parsed and checked.
struct ControlRequest {
  std::string token;
  RunRequest run;  // start; list: its suite
};

// Parses `payload` for `verb`. Returns "" with *out filled, or the error to
// reply, naming the field: "request must be a JSON object", "unknown field
// 'x' (start takes: token, suite, scenarios, rate, duration_s)", "rate:
// expected a number of events per second, got \"fast\"", "rate: 10000000 is
// out of range (0 < rate <= 20000, bench.control.max_rate)", "scenarios: no
// scenario named 'x'". The token itself is not checked here.
std::string ParseControlRequest(std::string_view verb, std::string_view payload,
                                const ScenarioCatalog& catalog, const ControlLimits& limits,
                                ControlRequest* out);

}  // namespace roseyd::loadgen
