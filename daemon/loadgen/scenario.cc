#include "loadgen/scenario.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "cost/workload.h"
#include "loadgen/builtin_scenarios.h"
#include "report/figure_text.h"

namespace roseyd::loadgen {

using report::Comparison;
using report::Priority;

namespace {

const std::map<std::string, ScenarioKind>& Kinds() {
  static const std::map<std::string, ScenarioKind> kinds = {
      {"events", ScenarioKind::kEvents},
      {"requests", ScenarioKind::kRequests},
      {"burst", ScenarioKind::kBurst},
      {"cpu_overhead", ScenarioKind::kCpuOverhead},
      {"memory_baseline", ScenarioKind::kMemoryBaseline},
      {"memory_stability", ScenarioKind::kMemoryStability},
      {"mixed", ScenarioKind::kMixed},
      {"restart", ScenarioKind::kRestart},
      {"capacity", ScenarioKind::kCapacity},
      {"kv_latency", ScenarioKind::kKvLatency},
      {"row_insert_latency", ScenarioKind::kRowInsertLatency},
      {"row_search_latency", ScenarioKind::kRowSearchLatency},
      {"failover", ScenarioKind::kFailover},
      {"cost", ScenarioKind::kCost},
  };
  return kinds;
}

// "250ms", "5s", "10m", "1h".
std::chrono::milliseconds ParseDuration(const std::string& text) {
  std::size_t end = 0;
  double number = 0;
  try {
    number = std::stod(text, &end);
  } catch (const std::exception&) {
    throw std::invalid_argument("'" + text + "' is not a duration (e.g. 500ms, 5s, 10m, 1h)");
  }
  const std::string unit = text.substr(end);
  double ms = 0;
  if (unit == "ms") {
    ms = number;
  } else if (unit == "s") {
    ms = number * 1e3;
  } else if (unit == "m") {
    ms = number * 60e3;
  } else if (unit == "h") {
    ms = number * 3600e3;
  } else {
    throw std::invalid_argument("'" + text + "' needs a unit: ms, s, m or h");
  }
  if (number < 0) throw std::invalid_argument("'" + text + "' is negative");
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

// Keys of a scenario that override its other keys in one suite.
bool IsSuiteOverride(const std::string& key) {
  return key == "quick" || key == "classic" || key == "full" || key == "soak" ||
         key == "compare";
}

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void Fail(const std::string& where, const std::string& what) const {
    throw std::invalid_argument(source_ + ": " + where + ": " + what);
  }

  template <typename T>
  T As(const YAML::Node& node, const std::string& where) const {
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      Fail(where, "wrong type (line " + std::to_string(node.Mark().line + 1) + ")");
    }
  }

  // Applies every key of `node` to `spec`; `where` prefixes errors.
  void Apply(const YAML::Node& node, const std::string& where, ScenarioSpec* spec) const {
    for (const auto& kv : node) {
      const std::string key = As<std::string>(kv.first, where);
      const YAML::Node& v = kv.second;
      std::string at = where;
      at += "." + key;
      if (key == "name") {
        spec->name = As<std::string>(v, at);
      } else if (key == "kind") {
        const auto it = Kinds().find(As<std::string>(v, at));
        if (it == Kinds().end()) Fail(at, "unknown kind '" + As<std::string>(v, at) + "'");
        spec->kind = it->second;
      } else if (key == "category") {
        spec->category = As<std::string>(v, at);
      } else if (key == "description") {
        spec->description = As<std::string>(v, at);
      } else if (key == "priority") {
        const std::string p = As<std::string>(v, at);
        if (p == "P0") {
          spec->priority = Priority::kP0;
        } else if (p == "P1") {
          spec->priority = Priority::kP1;
        } else if (p == "P2") {
          spec->priority = Priority::kP2;
        } else {
          Fail(at, "'" + p + "' is not P0, P1 or P2");
        }
      } else if (key == "rate") {
        spec->rate = Positive(As<double>(v, at), at);
      } else if (key == "events") {
        spec->events = static_cast<int64_t>(Positive(static_cast<double>(As<int64_t>(v, at)), at));
      } else if (key == "duration") {
        spec->duration = Duration(v, at);
      } else if (key == "publishers") {
        const int n = As<int>(v, at);
        if (n < 1 || n > 1000) Fail(at, "must be 1..1000");
        spec->publishers = n;
      } else if (key == "message_bytes") {
        const int n = As<int>(v, at);
        if (n < 1 || n > 60000) Fail(at, "must be 1..60000");
        spec->message_bytes = n;
      } else if (key == "buffered_sends") {
        spec->buffered_sends = As<bool>(v, at);
      } else if (key == "idle") {
        spec->idle = Duration(v, at);
      } else if (key == "prefill") {
        spec->prefill = As<int64_t>(v, at);
        if (spec->prefill < 0) Fail(at, "must not be negative");
      } else if (key == "durability") {
        spec->durability = As<std::string>(v, at);
        if (spec->durability != "core" && spec->durability != "jetstream") {
          Fail(at, "must be core or jetstream");
        }
      } else if (key == "rounds") {
        const int n = As<int>(v, at);
        if (n < 1 || n > 100) Fail(at, "must be 1..100");
        spec->rounds = n;
      } else if (key == "warmup") {
        spec->warmup = Duration(v, at);
      } else if (key == "step") {
        spec->step = Duration(v, at);
      } else if (key == "p99_target_ms") {
        spec->p99_target_ms = Positive(As<double>(v, at), at);
      } else if (key == "rates") {
        spec->rates.clear();
        for (const auto& r : v) spec->rates.push_back(Positive(As<double>(r, at), at));
      } else if (key == "workload") {
        spec->workload = As<std::string>(v, at);
        if (!cost::ParseWorkload(spec->workload)) {
          Fail(at, "'" + spec->workload + "' is not events, queries, kv_get or row_search");
        }
      } else if (key == "store") {
        spec->store = As<std::string>(v, at);
        if (spec->store != "sqlite" && spec->store != "postgres") {
          Fail(at, "must be sqlite or postgres");
        }
      } else if (key == "targets") {
        spec->targets.clear();
        for (const auto& t : v) spec->targets.push_back(Target(t, at));
      } else if (IsSuiteOverride(key)) {
        // suite overrides: applied by ScenarioCatalog::Get
      } else {
        Fail(at, "unknown key");
      }
    }
  }

  TargetSpec Target(const YAML::Node& node, const std::string& where) const {
    TargetSpec t;
    if (!node.IsMap() || !node["metric"]) Fail(where, "a target needs metric and at_most or at_least");
    t.metric = As<std::string>(node["metric"], where + ".metric");
    if (node["at_most"]) {
      t.value = As<double>(node["at_most"], where + ".at_most");
      t.comparison = Comparison::kAtMost;
    } else if (node["at_least"]) {
      t.value = As<double>(node["at_least"], where + ".at_least");
      t.comparison = Comparison::kAtLeast;
    } else {
      Fail(where + "." + t.metric, "needs at_most or at_least");
    }
    return t;
  }

 private:
  double Positive(double v, const std::string& at) const {
    if (!(v > 0)) Fail(at, "must be positive");
    return v;
  }
  std::chrono::milliseconds Duration(const YAML::Node& v, const std::string& at) const {
    try {
      return ParseDuration(As<std::string>(v, at));
    } catch (const std::invalid_argument& e) {
      Fail(at, e.what());
    }
  }

  std::string source_;
};

}  // namespace

int64_t ScenarioSpec::EventCount() const {
  if (events > 0) return events;
  return static_cast<int64_t>(rate * std::chrono::duration<double>(duration).count());
}

std::chrono::milliseconds ScenarioSpec::LoadDuration() const {
  if (duration.count() > 0 && events == 0) return duration;
  return std::chrono::milliseconds(static_cast<int64_t>(1000.0 * static_cast<double>(events) / rate));
}

namespace {

// A count or rate as written in the catalog: whole numbers without
// grouping (lists are comma-separated), others as the report writes them.
std::string Count(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  return report::Num(v);
}

// "500 ms", "10 s", "3 min", "1 h".
std::string DurationText(std::chrono::milliseconds d) {
  const int64_t ms = d.count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms < 120'000) return Count(static_cast<double>(ms) / 1000) + " s";
  if (ms < 7'200'000) return Count(static_cast<double>(ms) / 60'000) + " min";
  return Count(static_cast<double>(ms) / 3'600'000) + " h";
}

}  // namespace

std::string ScenarioSpec::SizeText() const {
  const std::string paced = Count(static_cast<double>(EventCount())) + " %s at " +
                            Count(rate) + "/s over " + DurationText(LoadDuration());
  const auto with = [&](const char* noun) {
    std::string text = paced;
    text.replace(text.find("%s"), 2, noun);
    return text;
  };
  const std::string bots =
      publishers > 1 ? " from " + std::to_string(publishers) + " bots" : std::string();
  switch (kind) {
    case ScenarioKind::kCost:
      return "workload " + workload + " on " + store + ", instructions counted under valgrind";
    case ScenarioKind::kCapacity: {
      std::string text = "rates ";
      for (size_t i = 0; i < rates.size(); ++i) {
        text += (i == 0 ? "" : ", ") + Count(rates[i]);
      }
      return text + " ev/s, " + DurationText(step) + " each, until p99 passes " +
             report::Num(p99_target_ms) + " ms";
    }
    case ScenarioKind::kBurst:
      return Count(static_cast<double>(EventCount())) + " events back to back" + bots +
             (rounds > 1 ? ", " + std::to_string(rounds) + " rounds" : "");
    case ScenarioKind::kRequests:
      return with("requests");
    case ScenarioKind::kKvLatency:
    case ScenarioKind::kRowInsertLatency:
    case ScenarioKind::kRowSearchLatency:
      return with("operations");
    case ScenarioKind::kCpuOverhead:
    case ScenarioKind::kMemoryBaseline:
      return DurationText(idle) + " idle, then " + with("events") + bots;
    case ScenarioKind::kMemoryStability:
      return (prefill > 0 ? Count(static_cast<double>(prefill)) + " events back to back, then "
                          : std::string()) +
             with("events") + bots;
    case ScenarioKind::kMixed:
      return with("events and queries") + bots;
    case ScenarioKind::kRestart:
      return with("events") + bots + ", the service restarted midway";
    case ScenarioKind::kFailover:
      return with("events") + bots + ", the leading instance stopped midway";
    case ScenarioKind::kEvents:
      break;
  }
  return with("events") + bots;
}

ScenarioCatalog ParseScenarios(const std::string& yaml, const std::string& source) {
  Parser parser(source);
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument(source + ": invalid YAML: " + e.what());
  }
  if (!root.IsMap() || !root["scenarios"] || !root["scenarios"].IsSequence()) {
    parser.Fail("top level", "needs a `scenarios` list");
  }
  ScenarioCatalog catalog;
  std::set<std::string> names;
  for (const auto& node : root["scenarios"]) {
    const std::string where =
        node["name"] ? "scenario " + parser.As<std::string>(node["name"], "name") : "a scenario";
    if (!node.IsMap()) parser.Fail(where, "expected a mapping");
    ScenarioSpec spec;
    parser.Apply(node, where, &spec);
    if (spec.name.empty()) parser.Fail(where, "needs a name");
    if (!node["kind"]) parser.Fail(where, "needs a kind");
    if (spec.kind == ScenarioKind::kCapacity && spec.rates.empty()) parser.Fail(where, "needs rates");
    if (spec.kind == ScenarioKind::kCost && (spec.workload.empty() || spec.events <= 0)) {
      parser.Fail(where, "a cost scenario needs a workload and events (how many to count)");
    }
    if (!names.insert(spec.name).second) parser.Fail(where, "defined twice");
    catalog.scenarios.push_back(std::move(spec));
  }
  if (root["suites"]) {
    for (const auto& kv : root["suites"]) {
      const std::string suite = parser.As<std::string>(kv.first, "suites");
      for (const auto& n : kv.second) {
        const std::string name = parser.As<std::string>(n, "suites." + suite);
        if (names.count(name) == 0) parser.Fail("suites." + suite, "no scenario named '" + name + "'");
        catalog.suites[suite].push_back(name);
      }
    }
  }
  // Overrides are checked now, not when a suite first runs.
  for (const auto& node : root["scenarios"]) {
    for (const char* suite : {"quick", "classic", "full", "soak", "compare"}) {
      if (!node[suite]) continue;
      ScenarioSpec scratch;
      parser.Apply(node[suite], "scenario " + node["name"].as<std::string>() + "." + suite, &scratch);
    }
  }
  catalog.source_yaml_ = yaml;
  catalog.source_ = source;
  return catalog;
}

ScenarioSpec ScenarioCatalog::Get(const std::string& name, const std::string& suite) const {
  for (const auto& spec : scenarios) {
    if (spec.name != name) continue;
    ScenarioSpec result = spec;
    const YAML::Node root = YAML::Load(source_yaml_);
    for (const auto& node : root["scenarios"]) {
      if (node["name"].as<std::string>() == name && !suite.empty() && node[suite]) {
        std::string where = "scenario " + name;
        where += "." + suite;
        Parser(source_).Apply(node[suite], where, &result);
      }
    }
    return result;
  }
  throw std::invalid_argument("no scenario named '" + name + "' (have: " + [&] {
    std::string all;
    for (const auto& n : Names()) all += (all.empty() ? "" : ", ") + n;
    return all;
  }() + ")");
}

std::vector<std::string> ScenarioCatalog::Names() const {
  std::vector<std::string> names;
  for (const auto& s : scenarios) names.push_back(s.name);
  return names;
}

ScenarioCatalog LoadScenarios(const std::string& path) {
  if (path.empty()) return ParseScenarios(BuiltinScenariosYaml(), "built-in config/scenarios.yaml");
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(path + ": cannot read scenarios file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseScenarios(text.str(), path);
}

}  // namespace roseyd::loadgen
