#include "loadgen/control_request.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

namespace roseyd::loadgen {

namespace {

using nlohmann::json;

std::string Fields(std::string_view verb) {
  if (verb == "start") return "token, suite, scenarios, rate, duration_s";
  return verb == "list" ? "token, suite" : "token";
}

// The value as the request wrote it, for an error message.
std::string Shown(const json& value) {
  std::string text = value.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

std::string Number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// A number in (0, max]; "" or the error naming `field`.
std::string Positive(const json& value, const char* field, const char* what, double max,
                     const char* limit_key, double* out) {
  if (!value.is_number()) {
    return std::string(field) + ": expected a number of " + what + ", got " + Shown(value);
  }
  const double v = value.get<double>();
  if (!std::isfinite(v) || v <= 0 || v > max) {
    return std::string(field) + ": " + Shown(value) + " is out of range (0 < " + field +
           " <= " + Number(max) + ", " + limit_key + ")";
  }
  *out = v;
  return "";
}

}  // namespace

std::string ParseControlRequest(std::string_view verb, std::string_view payload,
                                const ScenarioCatalog& catalog, const ControlLimits& limits,
                                ControlRequest* out) {
  const json request = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_object()) return "request must be a JSON object";
  const bool start = verb == "start";
  const bool list = verb == "list";
  for (const auto& [key, value] : request.items()) {
    const bool known = key == "token" || ((start || list) && key == "suite") ||
                       (start && (key == "scenarios" || key == "rate" || key == "duration_s"));
    if (!known) {
      return "unknown field '" + key + "' (" + std::string(verb) + " takes: " + Fields(verb) + ")";
    }
  }
  if (const auto t = request.find("token"); t != request.end() && t->is_string()) {
    out->token = t->get<std::string>();
  }
  if (!start && !list) return "";

  RunRequest& run = out->run;
  if (const auto s = request.find("suite"); s != request.end()) {
    if (!s->is_string()) return "suite: expected a suite name, got " + Shown(*s);
    run.suite = s->get<std::string>();
    if (catalog.suites.count(run.suite) == 0) {
      std::string known;
      for (const auto& [name, names] : catalog.suites) known += (known.empty() ? "" : ", ") + name;
      return "suite: no suite named '" + run.suite + "' (there are: " + known + ")";
    }
  }
  if (list) return "";
  if (const auto s = request.find("scenarios"); s != request.end()) {
    if (!s->is_array() || s->empty()) {
      return "scenarios: expected a non-empty list of scenario names, got " + Shown(*s);
    }
    const std::vector<std::string> names = catalog.Names();
    for (const json& name : *s) {
      if (!name.is_string()) return "scenarios: expected scenario names, got " + Shown(name);
      const std::string n = name.get<std::string>();
      if (std::find(names.begin(), names.end(), n) == names.end()) {
        return "scenarios: no scenario named '" + n + "'";
      }
      if (std::find(run.scenarios.begin(), run.scenarios.end(), n) != run.scenarios.end()) {
        return "scenarios: '" + n + "' is listed twice";
      }
      run.scenarios.push_back(n);
    }
  }
  if (const auto r = request.find("rate"); r != request.end()) {
    double rate = 0;
    if (std::string e = Positive(*r, "rate", "events per second", limits.max_rate,
                                 "bench.control.max_rate", &rate);
        !e.empty()) {
      return e;
    }
    run.rate = rate;
  }
  if (const auto d = request.find("duration_s"); d != request.end()) {
    double seconds = 0;
    const double max_s = std::chrono::duration<double>(limits.max_duration).count();
    if (std::string e = Positive(*d, "duration_s", "seconds", max_s,
                                 "bench.control.max_duration", &seconds);
        !e.empty()) {
      return e;
    }
    run.duration = std::chrono::milliseconds(static_cast<int64_t>(std::llround(seconds * 1000)));
    if (run.duration->count() == 0) return "duration_s: " + Shown(*d) + " is under a millisecond";
  }
  run.max_rate = limits.max_rate;
  run.max_duration = limits.max_duration;
  return "";
}

}  // namespace roseyd::loadgen
