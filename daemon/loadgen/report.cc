#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/build_info.h"
#include "loadgen/results.h"
#include "loadgen/svg_chart.h"

namespace roseyd::loadgen {

namespace {

using nlohmann::json;

std::string FirstLine(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return "unknown";
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n\r:");
  const auto e = s.find_last_not_of(" \t\n\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string CommandOutput(const std::string& command) {
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    std::array<char, 256> buf{};
    while (fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
    pclose(p);
  }
  out = Trim(out);
  return out.empty() ? "unknown" : out;
}

// Numbers as people read them: 3 significant digits, no exponent for
// everyday magnitudes, "inf" for the unmeasurable.
std::string Num(double v) {
  if (std::isinf(v)) return "inf";
  if (std::isnan(v)) return "nan";
  std::ostringstream s;
  const double a = std::fabs(v);
  if (a >= 1000 || a == std::floor(a)) {
    s << std::fixed << std::setprecision(a == std::floor(a) ? 0 : 1) << v;
  } else {
    s << std::setprecision(3) << v;
  }
  return s.str();
}

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
           {"extra", extra}};
    if (s.event_latency) j["event_latency"] = LatencyJson(*s.event_latency);
    if (s.request_latency) j["request_latency"] = LatencyJson(*s.request_latency);
    if (s.publish_call) j["publish_call"] = LatencyJson(*s.publish_call);
    scenarios.push_back(j);
  }
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
          {"environment",
           {{"os", e.os}, {"kernel", e.kernel}, {"cpu_model", e.cpu_model}, {"cores", e.cores},
            {"ram_bytes", e.ram_bytes}, {"compiler", e.compiler},
            {"roseyd_version", e.roseyd_version}, {"roseyd_revision", e.roseyd_revision},
            {"nats_server_version", e.nats_server_version}, {"sqlite_version", e.sqlite_version},
            {"config", e.config_yaml}}},
          {"baseline_file", r.baseline_file ? json(*r.baseline_file) : json(nullptr)},
          {"tolerance_percent", r.tolerance_percent},
          {"comparisons", comparisons},
          {"scenarios", scenarios}};
}

Verdict VerdictFromName(const std::string& n) {
  if (n == "PASS") return Verdict::kPass;
  if (n == "WARN") return Verdict::kWarn;
  if (n == "FAIL") return Verdict::kFail;
  return Verdict::kNotRun;
}

Priority PriorityFromName(const std::string& n) {
  if (n == "P0") return Priority::kP0;
  if (n == "P1") return Priority::kP1;
  if (n == "P2") return Priority::kP2;
  return Priority::kNone;
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string StatsTable(const char* what, const LatencyResult& l) {
  const LatencySummary& s = l.summary;
  std::ostringstream md;
  md << "| " << what << " | n | mean | median | p90 | p95 | p99 | p99.9 | max | stddev |\n"
     << "|---|---|---|---|---|---|---|---|---|---|\n"
     << "| ms | " << s.n << " | " << Num(s.mean_ms) << " | " << Num(s.median_ms) << " | "
     << Num(s.p90_ms) << " | " << Num(s.p95_ms) << " | " << Num(s.p99_ms) << " | "
     << Num(s.p999_ms) << " | " << Num(s.max_ms) << " | " << Num(s.stddev_ms) << " |\n\n";
  return md.str();
}

std::string Markdown(const RunReport& r) {
  std::ostringstream md;
  const Environment& e = r.environment;
  std::map<Verdict, int> counts;
  for (const auto& s : r.scenarios) ++counts[s.status];
  const int exit = ExitStatus(r);
  md << "# roseyd benchmark results\n\n## 1. Executive summary\n\n"
     << "- Date: " << r.started_utc << "\n"
     << "- roseyd " << e.roseyd_version << " (revision " << e.roseyd_revision << ")\n"
     << "- Suite: " << r.suite << ", " << r.scenarios.size() << " scenarios in "
     << Num(r.duration_s) << " s against " << r.target << "\n"
     << "- PASS " << counts[Verdict::kPass] << ", WARN " << counts[Verdict::kWarn] << ", FAIL "
     << counts[Verdict::kFail] << ", NOT RUN " << counts[Verdict::kNotRun] << "\n"
     << "- Result: "
     << (exit == 0 ? "every P0 scenario passed" : exit == 1 ? "a P0 scenario failed or a figure regressed"
                                                           : "a P0 scenario could not run")
     << " (exit status " << exit << ")\n\n"
     << "Latency runs from each event's intended send time (open-loop schedule) to the commit "
        "of its row; percentiles come from a histogram with under 1 % relative error, mean, "
        "min, max and stddev are exact. Persisted counts rows in the database. PASS is within "
        "target, WARN within 20 % past it, FAIL beyond.\n\n"
     << "| scenario | priority | status | key figure | target | headroom |\n|---|---|---|---|---|---|\n";
  for (const auto& s : r.scenarios) {
    const Figure* key = nullptr;
    for (const auto& f : s.figures) {
      if (f.target && (key == nullptr || f.headroom < key->headroom)) key = &f;
    }
    md << "| " << s.name << " | " << PriorityName(s.priority) << " | " << VerdictName(s.status) << " | "
       << (key ? key->metric + " = " + Num(key->value) : "-") << " | "
       << (key ? std::string(key->comparison == Comparison::kAtMost ? "<= " : ">= ") + Num(*key->target) : "-")
       << " | " << (key ? Num(key->headroom) : "-") << " |\n";
  }
  md << "\n## 2. Results by category\n";
  for (const char* category : {"latency", "throughput", "cpu", "memory", "concurrency", "failure_recovery"}) {
    bool any = false;
    for (const auto& s : r.scenarios) {
      if (s.category != category) continue;
      if (!any) md << "\n### " << category << "\n";
      any = true;
      md << "\n#### " << s.name << ": " << VerdictName(s.status) << "\n\n" << s.description << "\n\n"
         << "- Priority " << PriorityName(s.priority) << ", ran " << Num(s.duration_s) << " s"
         << (s.target_rate > 0 ? ", offered " + Num(s.target_rate) + " per second" : "") << "\n"
         << "- Sent " << s.sent << ", persisted " << s.persisted << ", lost " << s.lost;
      if (s.failed_requests > 0) md << ", failed requests " << s.failed_requests;
      md << "\n";
      if (!s.note.empty()) md << "- Note: " << s.note << "\n";
      md << "\n| figure | measured | target | verdict | headroom |\n|---|---|---|---|---|\n";
      for (const auto& f : s.figures) {
        md << "| " << f.metric << " | " << Num(f.value) << " | "
           << (f.target ? std::string(f.comparison == Comparison::kAtMost ? "<= " : ">= ") + Num(*f.target) : "-")
           << " | " << (f.target ? std::string(VerdictName(f.verdict)) : "-") << " | "
           << (f.target ? Num(f.headroom) : "-") << " |\n";
      }
      md << "\n";
      if (s.event_latency && s.event_latency->summary.n > 0) md << StatsTable("event latency", *s.event_latency);
      if (s.request_latency && s.request_latency->summary.n > 0) md << StatsTable("request latency", *s.request_latency);
      if (s.publish_call && s.publish_call->summary.n > 0) md << StatsTable("publish call (not latency)", *s.publish_call);
      if (s.event_latency || s.request_latency) md << "![latency](charts/" << s.name << "-latency.svg)\n";
      if (!s.timeline.empty()) md << "![rate and RSS](charts/" << s.name << "-timeline.svg)\n";
    }
  }
  md << "\n## 3. Analysis and recommendations\n\n";
  std::vector<std::pair<double, std::string>> tight;
  for (const auto& s : r.scenarios) {
    if (s.status == Verdict::kNotRun) md << "- " << s.name << " did not run: " << s.note << "\n";
    for (const auto& f : s.figures) {
      if (!f.target) continue;
      if (f.verdict == Verdict::kFail || f.verdict == Verdict::kWarn) {
        md << "- " << s.name << ": " << f.metric << " = " << Num(f.value) << " against "
           << Num(*f.target) << " (" << VerdictName(f.verdict) << ")\n";
      }
      if (std::isfinite(f.headroom)) tight.emplace_back(f.headroom, s.name + " " + f.metric);
    }
  }
  std::sort(tight.begin(), tight.end());
  md << "\nLeast headroom (the likeliest bottlenecks):\n\n";
  for (size_t i = 0; i < tight.size() && i < 5; ++i) {
    md << "- " << tight[i].second << ": headroom " << Num(tight[i].first) << "\n";
  }
  md << "\nBaseline figures for future comparison are every figure above; pass this run's "
        "benchmark_results.json to `roseyd bench --baseline`.\n";
  if (r.baseline_file) {
    md << "\nAgainst baseline " << *r.baseline_file << " (tolerance " << Num(r.tolerance_percent)
       << " %):\n\n| scenario | figure | baseline | now | change % | regressed |\n|---|---|---|---|---|---|\n";
    for (const auto& c : r.comparisons) {
      md << "| " << c.scenario << " | " << c.metric << " | " << Num(c.baseline) << " | " << Num(c.current)
         << " | " << Num(c.change_percent) << " | " << (c.regressed ? "**yes**" : "no") << " |\n";
    }
  }
  md << "\n## 4. Appendices\n\n### Test environment\n\n"
     << "- OS: " << e.os << ", kernel " << e.kernel << "\n"
     << "- CPU: " << e.cpu_model << ", " << e.cores << " cores; RAM " << Num(static_cast<double>(e.ram_bytes) / (1 << 30)) << " GiB\n"
     << "- Compiler: " << e.compiler << "\n"
     << "- nats-server: " << e.nats_server_version << "; SQLite " << e.sqlite_version << "\n\n"
     << "### Config used\n\n```yaml\n" << e.config_yaml << "```\n\n"
     << "### Raw data\n\nEvery statistic, the histogram buckets and the timelines are in "
        "benchmark_results.json beside this file.\n";
  return md.str();
}

}  // namespace

std::string_view PriorityName(Priority priority) {
  switch (priority) {
    case Priority::kP0: return "P0";
    case Priority::kP1: return "P1";
    case Priority::kP2: return "P2";
    case Priority::kNone: return "-";
  }
  return "-";
}

Environment DescribeEnvironment(const std::string& config_yaml) {
  Environment e;
  e.os = Unquote(FirstLine("/etc/os-release", "PRETTY_NAME="));
  utsname u{};
  e.kernel = uname(&u) == 0 ? u.release : "unknown";
  e.cpu_model = Trim(FirstLine("/proc/cpuinfo", "model name"));
  e.cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  e.ram_bytes = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const BuildInfo& info = GetBuildInfo();
  e.compiler = std::string(info.compiler);
  e.roseyd_version = std::string(info.version);
  e.roseyd_revision = std::string(info.revision);
  e.nats_server_version = CommandOutput("nats-server --version 2>/dev/null");
  e.sqlite_version = sqlite3_libversion();
  e.config_yaml = config_yaml;
  return e;
}

void WriteReport(const RunReport& report, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir / "charts", ec);
  if (ec) throw std::runtime_error("cannot create " + (dir / "charts").string() + ": " + ec.message());
  WriteFile(dir / "BENCHMARK_RESULTS.md", Markdown(report));
  WriteFile(dir / "benchmark_results.json", ToJson(report).dump(2) + "\n");
  for (const ScenarioResult& s : report.scenarios) {
    std::vector<LatencySeries> series;
    if (s.event_latency && s.event_latency->summary.n > 0) series.push_back({"event (intended send to commit)", s.event_latency->buckets});
    if (s.request_latency && s.request_latency->summary.n > 0) series.push_back({"request (intended send to reply)", s.request_latency->buckets});
    if (!series.empty()) WriteFile(dir / "charts" / (s.name + "-latency.svg"), PercentileChartSvg(s.name + ": latency by percentile", series));
    if (!s.timeline.empty()) WriteFile(dir / "charts" / (s.name + "-timeline.svg"), TimelineChartSvg(s.name + ": rates and RSS", s.timeline));
  }
}

RunReport ReadReportJson(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.string() + ": cannot read");
  const json j = json::parse(in, nullptr, false);
  if (j.is_discarded()) throw std::runtime_error(file.string() + ": not valid JSON");
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
    if (!j.at("baseline_file").is_null()) r.baseline_file = j.at("baseline_file").get<std::string>();
    for (const json& c : j.at("comparisons")) {
      r.comparisons.push_back({c.at("scenario"), c.at("metric"), Dnum(c.at("baseline")),
                               Dnum(c.at("current")), Dnum(c.at("change_percent")), c.at("regressed")});
    }
    for (const json& sj : j.at("scenarios")) {
      ScenarioResult s;
      field = "scenarios[].name";
      s.name = sj.at("name").get<std::string>();
      field = "scenario " + s.name;
      s.category = sj.at("category");
      s.description = sj.at("description");
      s.priority = PriorityFromName(sj.at("priority"));
      s.status = VerdictFromName(sj.at("status"));
      s.note = sj.at("note");
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
      if (sj.contains("event_latency")) s.event_latency = LatencyFromJson(sj.at("event_latency"));
      if (sj.contains("request_latency")) s.request_latency = LatencyFromJson(sj.at("request_latency"));
      if (sj.contains("publish_call")) s.publish_call = LatencyFromJson(sj.at("publish_call"));
      r.scenarios.push_back(std::move(s));
    }
    return r;
  } catch (const std::exception& ex) {
    throw std::runtime_error(file.string() + ": bad or missing field near '" + field + "': " + ex.what());
  }
}

void CompareToBaseline(RunReport* report, const RunReport& baseline) {
  report->comparisons.clear();
  for (const ScenarioResult& s : report->scenarios) {
    for (const Figure& f : s.figures) {
      if (!f.target) continue;
      for (const ScenarioResult& b : baseline.scenarios) {
        if (b.name != s.name) continue;
        for (const Figure& bf : b.figures) {
          if (bf.metric != f.metric || !std::isfinite(bf.value) || !std::isfinite(f.value)) continue;
          Regression c{s.name, f.metric, bf.value, f.value, 0, false};
          const double worse = f.comparison == Comparison::kAtMost ? f.value - bf.value : bf.value - f.value;
          if (bf.value != 0) {
            c.change_percent = 100.0 * (f.value - bf.value) / std::fabs(bf.value);
            c.regressed = 100.0 * worse / std::fabs(bf.value) > report->tolerance_percent;
          } else {
            // From exactly zero (e.g. lost), any worsening is a regression.
            c.change_percent = f.value == 0 ? 0 : std::numeric_limits<double>::infinity();
            c.regressed = worse > 0;
          }
          report->comparisons.push_back(c);
        }
      }
    }
  }
}

int ExitStatus(const RunReport& report) {
  bool failed = false;
  for (const ScenarioResult& s : report.scenarios) {
    if (s.priority != Priority::kP0) continue;
    if (s.status == Verdict::kNotRun && !s.inapplicable) return 2;
    if (s.status == Verdict::kFail) failed = true;
  }
  for (const Regression& c : report.comparisons) failed = failed || c.regressed;
  return failed ? 1 : 0;
}

}  // namespace roseyd::loadgen
