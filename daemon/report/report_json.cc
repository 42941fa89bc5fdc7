#include "report/report_json.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace roseyd::report {

namespace {

using nlohmann::json;

// JSON has no infinity; write it as null and read null back as infinity.
json Jnum(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
double Dnum(const json& j) {
  return j.is_null() ? std::numeric_limits<double>::infinity() : j.get<double>();
}

const char* ComparisonName(Comparison c) { return c == Comparison::kAtMost ? "at_most" : "at_least"; }

json LatencyJson(const LatencyResult& l) {
  const LatencySummary& s = l.summary;
  json buckets = json::array();
  for (const auto& b : l.buckets) buckets.push_back({b.lower_ns, b.upper_ns, b.count});
  return {{"n", s.n},           {"mean_ms", s.mean_ms}, {"median_ms", s.median_ms},
          {"p90_ms", s.p90_ms}, {"p95_ms", s.p95_ms},   {"p99_ms", s.p99_ms},
          {"p999_ms", s.p999_ms}, {"min_ms", s.min_ms}, {"max_ms", s.max_ms},
          {"stddev_ms", s.stddev_ms}, {"buckets_ns", buckets}};
}

LatencyResult LatencyFromJson(const json& j) {
  LatencyResult l;
  LatencySummary& s = l.summary;
  s.n = j.at("n").get<uint64_t>();
  s.mean_ms = j.at("mean_ms").get<double>();
  s.median_ms = j.at("median_ms").get<double>();
  s.p90_ms = j.at("p90_ms").get<double>();
  s.p95_ms = j.at("p95_ms").get<double>();
  s.p99_ms = j.at("p99_ms").get<double>();
  s.p999_ms = j.at("p999_ms").get<double>();
  s.min_ms = j.at("min_ms").get<double>();
  s.max_ms = j.at("max_ms").get<double>();
  s.stddev_ms = j.at("stddev_ms").get<double>();
  for (const auto& b : j.at("buckets_ns")) {
    l.buckets.push_back({b.at(0).get<int64_t>(), b.at(1).get<int64_t>(), b.at(2).get<uint64_t>()});
  }
  return l;
}

json NoiseWindowJson(const NoiseWindow& w) {
  return {{"seconds", w.seconds},
          {"load_avg_mean", w.load_avg_mean},
          {"load_avg_max", w.load_avg_max},
          {"steal_percent", w.steal_percent},
          {"iowait_percent", w.iowait_percent},
          {"floor_n", w.floor_n},
          {"floor_p50_ms", w.floor_p50_ms},
          {"floor_p99_ms", w.floor_p99_ms},
          {"floor_max_ms", w.floor_max_ms}};
}

NoiseWindow NoiseWindowFromJson(const json& j) {
  NoiseWindow w;
  w.seconds = j.at("seconds").get<double>();
  w.load_avg_mean = j.at("load_avg_mean").get<double>();
  w.load_avg_max = j.at("load_avg_max").get<double>();
  w.steal_percent = j.at("steal_percent").get<double>();
  w.iowait_percent = j.at("iowait_percent").get<double>();
  w.floor_n = j.at("floor_n").get<uint64_t>();
  w.floor_p50_ms = j.at("floor_p50_ms").get<double>();
  w.floor_p99_ms = j.at("floor_p99_ms").get<double>();
  w.floor_max_ms = j.at("floor_max_ms").get<double>();
  return w;
}

json ToJson(const RunReport& r) {
  const Environment& e = r.environment;
  json scenarios = json::array();
  for (const ScenarioResult& s : r.scenarios) {
    json figures = json::array();
    for (const Figure& f : s.figures) {
      figures.push_back({{"metric", f.metric},
                         {"value", Jnum(f.value)},
                         {"target", f.target ? Jnum(*f.target) : json(nullptr)},
                         {"comparison", ComparisonName(f.comparison)},
                         {"verdict", VerdictName(f.verdict)},
                         {"headroom", Jnum(f.headroom)}});
    }
    json timeline = json::array();
    for (const TimelinePoint& p : s.timeline) {
      timeline.push_back({p.t_s, p.sent_per_s, p.persisted_per_s, p.rss_bytes, p.rss_anon_bytes, p.cpu_percent});
    }
    json extra = json::object();
    for (const auto& [k, v] : s.extra) extra[k] = Jnum(v);
    json markers = json::array();
    for (const Marker& m : s.markers) markers.push_back({{"t_s", m.t_s}, {"label", m.label}});
    json steps = json::array();
    for (const RateStep& r : s.steps) {
      steps.push_back({{"offered_per_s", r.offered_per_s},
                       {"sent", r.sent},
                       {"persisted", r.persisted},
                       {"lost", r.lost},
                       {"persisted_per_s", Jnum(r.persisted_per_s)},
                       {"p50_ms", Jnum(r.p50_ms)},
                       {"p99_ms", Jnum(r.p99_ms)},
                       {"cpu_us_per_event", Jnum(r.cpu_us_per_event)},
                       {"within_target", r.within_target},
                       {"attempt", r.attempt},
                       {"floor_p99_ms", Jnum(r.floor_p99_ms)},
                       {"steal_percent", r.steal_percent}});
    }
    json j{{"name", s.name},
           {"category", s.category},
           {"description", s.description},
           {"priority", PriorityName(s.priority)},
           {"status", VerdictName(s.status)},
           {"note", s.note},
           {"inapplicable", s.inapplicable},
           {"duration_s", s.duration_s},
           {"target_rate", s.target_rate},
           {"sent", s.sent},
           {"persisted", s.persisted},
           {"lost", s.lost},
           {"failed_requests", s.failed_requests},
           {"figures", figures},
           {"timeline_columns", {"t_s", "sent_per_s", "persisted_per_s", "rss_bytes", "rss_anon_bytes", "cpu_percent"}},
           {"timeline", timeline},
           {"markers", markers},
           {"steps", steps},
           {"extra", extra}};
    if (s.event_latency) j["event_latency"] = LatencyJson(*s.event_latency);
    if (s.request_latency) j["request_latency"] = LatencyJson(*s.request_latency);
    if (s.publish_call) j["publish_call"] = LatencyJson(*s.publish_call);
    if (s.noise) {
      j["noise"] = {{"window", NoiseWindowJson(s.noise->window)},
                    {"moved", s.noise->moved},
                    {"by_steal_only", s.noise->by_steal_only},
                    {"why", s.noise->why}};
    }
    scenarios.push_back(j);
  }
  json bot = nullptr;
  if (r.bot_service) {
    const BotServiceProbe& b = *r.bot_service;
    bot = {{"subject", b.subject},         {"rate", b.rate},
           {"idle", LatencyJson(b.idle)},  {"during", LatencyJson(b.during)},
           {"idle_sent", b.idle_sent},     {"idle_failed", b.idle_failed},
           {"during_sent", b.during_sent}, {"during_failed", b.during_failed}};
  }
  json noise = nullptr;
  if (r.noise) {
    noise = {{"subject", r.noise->subject},
             {"probe_rate", r.noise->probe_rate},
             {"rule", r.noise->rule},
             {"idle", NoiseWindowJson(r.noise->idle)},
             {"run", NoiseWindowJson(r.noise->run)}};
  }
  json baseline_figures = json::object();
  for (const auto& [k, v] : r.baseline_figures) baseline_figures[k] = v;
  json comparisons = json::array();
  for (const Regression& c : r.comparisons) {
    comparisons.push_back({{"scenario", c.scenario}, {"metric", c.metric},
                           {"baseline", Jnum(c.baseline)}, {"current", Jnum(c.current)},
                           {"change_percent", Jnum(c.change_percent)}, {"regressed", c.regressed}});
  }
  return {{"schema_version", 1},
          {"suite", r.suite},
          {"started_utc", r.started_utc},
          {"duration_s", r.duration_s},
          {"target", r.target},
          {"cancelled", r.cancelled},
          {"environment",
           {{"os", e.os}, {"kernel", e.kernel}, {"cpu_model", e.cpu_model}, {"cores", e.cores},
            {"ram_bytes", e.ram_bytes}, {"compiler", e.compiler},
            {"roseyd_version", e.roseyd_version}, {"roseyd_revision", e.roseyd_revision},
            {"nats_server_version", e.nats_server_version}, {"sqlite_version", e.sqlite_version},
            {"config", e.config_yaml}}},
          {"baseline_file", r.baseline_file ? json(*r.baseline_file) : json(nullptr)},
          {"baseline_started_utc", r.baseline_started_utc},
          {"tolerance_percent", r.tolerance_percent},
          {"regressions_fail", r.regressions_fail},
          {"comparisons", comparisons},
          {"baseline_figures", baseline_figures},
          {"bot_service", bot},
          {"noise", noise},
          {"scenarios", scenarios}};
}

Verdict VerdictFromName(const std::string& n) {
  if (n == "PASS") return Verdict::kPass;
  if (n == "WARN") return Verdict::kWarn;
  if (n == "FAIL") return Verdict::kFail;
  if (n == "DISTURBED") return Verdict::kDisturbed;
  if (n == "CANCELLED") return Verdict::kCancelled;
  return Verdict::kNotRun;
}

Priority PriorityFromName(const std::string& n) {
  if (n == "P0") return Priority::kP0;
  if (n == "P1") return Priority::kP1;
  if (n == "P2") return Priority::kP2;
  return Priority::kNone;
}

ScenarioResult ScenarioFromJson(const json& sj, std::string* field) {
  ScenarioResult s;
  *field = "scenarios[].name";
  s.name = sj.at("name").get<std::string>();
  *field = "scenario " + s.name;
  s.category = sj.at("category");
  s.description = sj.at("description");
  s.priority = PriorityFromName(sj.at("priority"));
  s.status = VerdictFromName(sj.at("status"));
  s.note = sj.at("note");
  // Reports before CANCELLED said NOT RUN with a note starting "cancelled".
  if (s.status == Verdict::kNotRun && s.note.rfind("cancelled", 0) == 0) {
    s.status = Verdict::kCancelled;
  }
  s.inapplicable = sj.value("inapplicable", false);  // absent before remote targets
  s.duration_s = sj.at("duration_s");
  s.target_rate = sj.at("target_rate");
  s.sent = sj.at("sent");
  s.persisted = sj.at("persisted");
  s.lost = sj.at("lost");
  s.failed_requests = sj.at("failed_requests");
  for (const json& f : sj.at("figures")) {
    Figure fig;
    fig.metric = f.at("metric");
    fig.value = Dnum(f.at("value"));
    if (!f.at("target").is_null()) fig.target = f.at("target").get<double>();
    fig.comparison = f.at("comparison") == "at_least" ? Comparison::kAtLeast : Comparison::kAtMost;
    fig.verdict = VerdictFromName(f.at("verdict"));
    fig.headroom = Dnum(f.at("headroom"));
    s.figures.push_back(fig);
  }
  for (const json& p : sj.at("timeline")) {
    s.timeline.push_back({p.at(0), p.at(1), p.at(2), p.at(3), p.at(4), p.at(5)});
  }
  for (const auto& [k, v] : sj.at("extra").items()) s.extra[k] = Dnum(v);
  // Markers and steps are absent from reports written before they existed.
  for (const json& m : sj.value("markers", json::array())) {
    s.markers.push_back({m.at("t_s").get<double>(), m.at("label").get<std::string>()});
  }
  for (const json& r : sj.value("steps", json::array())) {
    RateStep step;
    step.offered_per_s = r.at("offered_per_s").get<double>();
    step.sent = r.at("sent").get<uint64_t>();
    step.persisted = r.at("persisted").get<uint64_t>();
    step.lost = r.at("lost").get<uint64_t>();
    step.persisted_per_s = Dnum(r.at("persisted_per_s"));
    step.p50_ms = Dnum(r.at("p50_ms"));
    step.p99_ms = Dnum(r.at("p99_ms"));
    step.cpu_us_per_event = Dnum(r.at("cpu_us_per_event"));
    step.within_target = r.at("within_target").get<bool>();
    // Absent before the search repeated missed steps and measured the floor.
    step.attempt = r.value("attempt", 1);
    step.floor_p99_ms = r.contains("floor_p99_ms") ? Dnum(r.at("floor_p99_ms")) : 0;
    step.steal_percent = r.value("steal_percent", 0.0);
    s.steps.push_back(step);
  }
  if (sj.contains("event_latency")) s.event_latency = LatencyFromJson(sj.at("event_latency"));
  if (sj.contains("request_latency")) s.request_latency = LatencyFromJson(sj.at("request_latency"));
  if (sj.contains("publish_call")) s.publish_call = LatencyFromJson(sj.at("publish_call"));
  // Absent from reports written before the run measured its noise.
  if (const auto n = sj.find("noise"); n != sj.end() && !n->is_null()) {
    *field = "scenario " + s.name + ", noise";
    ScenarioNoise noise;
    noise.window = NoiseWindowFromJson(n->at("window"));
    noise.moved = n->at("moved").get<bool>();
    noise.by_steal_only = n->value("by_steal_only", false);
    noise.why = n->value("why", "");
    s.noise = noise;
  }
  return s;
}

}  // namespace

std::string FormatReportJson(const RunReport& report) { return ToJson(report).dump(2) + "\n"; }

RunReport ParseReportJson(std::string_view text, const std::string& source) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(source + ": not valid JSON");
  std::string field = "schema_version";
  try {
    if (j.at("schema_version").get<int>() != 1) throw std::runtime_error("unsupported schema_version");
    RunReport r;
    field = "suite";
    r.suite = j.at("suite").get<std::string>();
    r.started_utc = j.at("started_utc").get<std::string>();
    r.duration_s = j.at("duration_s").get<double>();
    r.target = j.at("target").get<std::string>();
    field = "environment";
    const json& e = j.at("environment");
    r.environment = Environment{e.at("os"), e.at("kernel"), e.at("cpu_model"), e.at("cores"),
                                e.at("ram_bytes"), e.at("compiler"), e.at("roseyd_version"),
                                e.at("roseyd_revision"), e.at("nats_server_version"),
                                e.at("sqlite_version"), e.at("config")};
    r.tolerance_percent = j.at("tolerance_percent").get<double>();
    // Fields added after schema 1 first shipped: optional on reading.
    field = "cancelled";
    r.cancelled = j.value("cancelled", false);
    r.regressions_fail = j.value("regressions_fail", true);
    r.baseline_started_utc = j.value("baseline_started_utc", "");
    field = "baseline_figures";
    const json baseline_figures = j.value("baseline_figures", json::object());
    for (const auto& [k, v] : baseline_figures.items()) r.baseline_figures[k] = v.get<double>();
    field = "bot_service";
    if (const auto b = j.find("bot_service"); b != j.end() && !b->is_null()) {
      BotServiceProbe probe;
      probe.subject = b->at("subject").get<std::string>();
      probe.rate = b->at("rate").get<double>();
      probe.idle = LatencyFromJson(b->at("idle"));
      probe.during = LatencyFromJson(b->at("during"));
      probe.idle_sent = b->at("idle_sent").get<uint64_t>();
      probe.idle_failed = b->at("idle_failed").get<uint64_t>();
      probe.during_sent = b->at("during_sent").get<uint64_t>();
      probe.during_failed = b->at("during_failed").get<uint64_t>();
      r.bot_service = probe;
    }
    field = "noise";
    if (const auto n = j.find("noise"); n != j.end() && !n->is_null()) {
      RunNoise noise;
      noise.subject = n->at("subject").get<std::string>();
      noise.probe_rate = n->at("probe_rate").get<double>();
      noise.rule = n->value("rule", "");
      noise.idle = NoiseWindowFromJson(n->at("idle"));
      noise.run = NoiseWindowFromJson(n->at("run"));
      r.noise = noise;
    }
    field = "baseline_file";
    if (!j.at("baseline_file").is_null()) r.baseline_file = j.at("baseline_file").get<std::string>();
    for (const json& c : j.at("comparisons")) {
      r.comparisons.push_back({c.at("scenario"), c.at("metric"), Dnum(c.at("baseline")),
                               Dnum(c.at("current")), Dnum(c.at("change_percent")), c.at("regressed")});
    }
    for (const json& sj : j.at("scenarios")) r.scenarios.push_back(ScenarioFromJson(sj, &field));
    return r;
  } catch (const std::exception& ex) {
    throw std::runtime_error(source + ": bad or missing field near '" + field + "': " + ex.what());
  }
}

}  // namespace roseyd::report
