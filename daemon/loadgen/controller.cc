#include "loadgen/controller.h"

#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "base/status.h"
#include "loadgen/control_request.h"
#include "report/baseline.h"
#include "report/exit_status.h"
#include "report/report_files.h"
#include "report/run_folders.h"

namespace roseyd::loadgen {

using report::CompareToBaseline;
using report::ExitStatus;
using report::ReadReportJson;
using report::RunReport;
using report::ScenarioResult;
using report::VerdictName;

namespace {

using nlohmann::json;

// Constant-time comparison: the token must not leak through timing.
bool SameToken(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

json Error(const std::string& what) { return json{{"error", what}}; }

}  // namespace

BenchController::BenchController(const Config& config, BenchTarget* target,
                                 LoadgenMetrics* metrics, bus::Connection* connection)
    : config_(config),
      target_(target),
      metrics_(metrics),
      connection_(connection),
      catalog_(LoadScenarios(config.bench.scenarios_file)),
      runner_(std::make_unique<Runner>(target, metrics)) {}

BenchController::~BenchController() {
  subscriptions_.clear();
  Cancel();
  Wait();
}

void BenchController::StartControl() {
  if (!config_.bench.control.enabled) return;
  const std::string prefix = config_.bench.control.subject_prefix;
  for (const char* verb : {"list", "start", "status", "cancel"}) {
    const std::string v = verb;
    std::string subject = prefix;
    subject += "." + v;
    subscriptions_.push_back(connection_->Subscribe(subject, "", [this, v](const bus::Message& m) {
      if (m.reply.empty()) return;
      const std::string reply = HandleControl(v, m.data);
      (void)connection_->Publish(m.reply, reply);
    }));
  }
  // The server has the subscriptions before roseyd says it is ready.
  if (connection_->IsConnected()) {
    if (const Status s = connection_->Flush(std::chrono::seconds(2)); !s.ok()) {
      spdlog::warn("bench control: could not confirm the subscriptions with the server: {}",
                   s.ToString());
    }
  }
  spdlog::info("bench control on {}.{{list,start,status,cancel}} (token required; at most {} ev/s, {} ms)",
               prefix, config_.bench.control.max_rate, config_.bench.control.max_duration.count());
}

std::string BenchController::HandleControl(const std::string& verb, std::string_view payload) {
  const json request = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_object()) return Error("request must be a JSON object").dump();
  const auto token = request.find("token");
  if (!config_.bench.control.enabled || token == request.end() || !token->is_string() ||
      !SameToken(token->get<std::string>(), config_.bench.control.token)) {
    spdlog::warn("bench control: refused a {} request without the right token", verb);
    return Error("refused: missing or wrong token").dump();
  }
  ControlRequest parsed;
  const ControlLimits limits{static_cast<double>(config_.bench.control.max_rate),
                             config_.bench.control.max_duration};
  if (std::string error = ParseControlRequest(verb, payload, catalog_, limits, &parsed);
      !error.empty()) {
    spdlog::warn("bench control: refused a {} request: {}", verb, error);
    return Error(error).dump();
  }
  if (verb == "list") {
    json suites = json::object();
    for (const auto& [name, list] : catalog_.suites) suites[name] = list;
    // Each scenario's size as a start with this suite (quick by default,
    // as for a start naming scenarios) runs it.
    json details = json::object();
    for (const std::string& name : catalog_.Names()) {
      const ScenarioSpec spec = catalog_.Get(name, parsed.run.suite);
      details[name] = {{"description", spec.description}, {"size", spec.SizeText()}};
    }
    return json{{"scenarios", catalog_.Names()},
                {"suites", suites},
                {"sizes_of_suite", parsed.run.suite},
                {"details", details}}
        .dump();
  }
  if (verb == "status") {
    MutexLock lock(&mu_);
    const RunProgress p = runner_->Progress();
    return json{{"running", running_},
                {"run", runs_},
                {"suite", suite_},
                {"scenario", p.scenario},
                {"scenario_index", p.index},
                {"scenarios_total", p.total},
                {"scenario_elapsed_s", p.scenario_elapsed_s},
                {"run_elapsed_s", p.run_elapsed_s},
                {"sent", p.sent},
                {"persisted", p.persisted},
                {"done", done_},
                {"last_run", last_run_},
                {"exit_status", last_exit_ < 0 ? json(nullptr) : json(last_exit_)},
                {"cancelled", last_cancelled_},
                {"report", last_report_}}
        .dump();
  }
  if (verb == "cancel") {
    const bool was = Running();
    Cancel();
    return json{{"cancelled", was}}.dump();
  }
  std::string why;
  if (!Start(parsed.run, &why)) return Error(why).dump();
  MutexLock lock(&mu_);
  spdlog::info("bench control: started run {} ({})", runs_,
               parsed.run.scenarios.empty() ? "suite " + parsed.run.suite
                                            : std::to_string(parsed.run.scenarios.size()) +
                                                  " scenarios");
  return json{{"started", true}, {"run", runs_}}.dump();
}

bool BenchController::Start(const RunRequest& request, std::string* why) {
  MutexLock lock(&mu_);
  if (running_) {
    *why = "a run is already going (run " + std::to_string(runs_) + "); cancel it or wait";
    return false;
  }
  if (thread_.joinable()) thread_.join();
  running_ = true;
  done_.clear();
  suite_ = request.scenarios.empty() ? request.suite : "custom";
  ++runs_;
  runner_ = std::make_unique<Runner>(target_, metrics_);
  RunRequest run = request;
  run.bot_probe_rate = config_.bench.bot_probe_rate;
  thread_ = std::thread(&BenchController::RunInBackground, this, run, runs_);
  return true;
}

bool BenchController::Running() const {
  MutexLock lock(&mu_);
  return running_;
}

void BenchController::Cancel() {
  MutexLock lock(&mu_);
  if (runner_) runner_->Cancel();
}

void BenchController::Wait() {
  std::thread t;
  {
    MutexLock lock(&mu_);
    t = std::move(thread_);
  }
  if (t.joinable()) t.join();
}

void BenchController::RunInBackground(const RunRequest& request, uint64_t run) {
  json summary{{"run", run}};
  int exit_status = -1;
  bool cancelled = false;
  std::string where;
  try {
    Runner* runner = nullptr;
    {
      MutexLock lock(&mu_);
      runner = runner_.get();
    }
    RunReport report = runner->RunSuite(catalog_, request, [&](const ScenarioResult& r) {
      MutexLock lock(&mu_);
      done_.push_back(r.name + ": " + std::string(VerdictName(r.status)));
    });
    report.target = "the load generator's own service instance in this roseyd (subjects " +
                    target_->SubjectPrefix() + ".>, a scratch database) on NATS " +
                    bus::RedactUrl(target_->NatsUrl());
    const std::filesystem::path root = config_.BenchOutDir();
    // The previous run is the baseline: shown beside each figure, but a
    // shared machine's noise must not fail this run.
    if (const auto previous = report::LatestReportJson(root)) {
      try {
        const RunReport baseline = ReadReportJson(*previous);
        report.baseline_file = std::filesystem::canonical(*previous).string();
        report.regressions_fail = false;
        CompareToBaseline(&report, baseline);
      } catch (const std::exception& e) {
        spdlog::warn("bench: the previous report is no baseline: {}", e.what());
      }
    }
    std::vector<std::string> problems;
    const std::filesystem::path dir = report::WriteRunReport(
        report, root, static_cast<size_t>(config_.bench.keep_runs), &problems);
    for (const std::string& p : problems) spdlog::warn("bench: pruning old reports: {}", p);
    where = std::filesystem::absolute(dir / "BENCHMARK_RESULTS.md").string();
    exit_status = ExitStatus(report);
    cancelled = report.cancelled;
    summary["report"] = where;
    summary["exit_status"] = exit_status;
    summary["cancelled"] = cancelled;
    json scenarios = json::array();
    for (const auto& r : report.scenarios) {
      scenarios.push_back({{"name", r.name}, {"status", VerdictName(r.status)}, {"note", r.note}});
    }
    summary["scenarios"] = scenarios;
    if (cancelled) {  // roseyd ctl calls that exit status 2, whatever ran before
      spdlog::info("bench: {} suite cancelled after {:.0f} s; report: {}", report.suite,
                   report.duration_s, where);
    } else {
      spdlog::info("bench: {} suite done in {:.0f} s (exit status {}); report: {}", report.suite,
                   report.duration_s, exit_status, where);
    }
  } catch (const std::exception& e) {
    summary["error"] = e.what();
    spdlog::error("bench run {} failed: {}", run, e.what());
  }
  if (connection_ != nullptr) {
    (void)connection_->Publish(config_.bench.control.subject_prefix + ".results", summary.dump());
  }
  MutexLock lock(&mu_);
  last_run_ = run;
  last_exit_ = exit_status;
  last_cancelled_ = cancelled;
  if (!where.empty()) last_report_ = where;
  running_ = false;
}

}  // namespace roseyd::loadgen
