#include "loadgen/controller.h"

#include <filesystem>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "base/startup_error.h"
#include "loadgen/environment.h"
#include "report/exit_status.h"
#include "report/report_files.h"

namespace roseyd::loadgen {

using report::ExitStatus;
using report::RunReport;
using report::ScenarioResult;
using report::VerdictName;
using report::WriteReport;

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
  if (verb == "list") {
    json suites = json::object();
    for (const auto& [name, list] : catalog_.suites) suites[name] = list;
    return json{{"scenarios", catalog_.Names()}, {"suites", suites}}.dump();
  }
  if (verb == "status") {
    MutexLock lock(&mu_);
    return json{{"running", running_},
                {"run", runs_},
                {"scenario", runner_->CurrentScenario()},
                {"done", done_},
                {"report", last_report_}}
        .dump();
  }
  if (verb == "cancel") {
    const bool was = Running();
    Cancel();
    return json{{"cancelled", was}}.dump();
  }
  // start
  RunRequest run;
  if (const auto s = request.find("suite"); s != request.end()) {
    if (!s->is_string()) return Error("suite: expected a string").dump();
    run.suite = s->get<std::string>();
    if (catalog_.suites.count(run.suite) == 0) return Error("suite: no suite named '" + run.suite + "'").dump();
  }
  if (const auto s = request.find("scenarios"); s != request.end()) {
    if (!s->is_array()) return Error("scenarios: expected a list of names").dump();
    for (const auto& name : *s) {
      if (!name.is_string()) return Error("scenarios: expected a list of names").dump();
      const auto names = catalog_.Names();
      if (std::find(names.begin(), names.end(), name.get<std::string>()) == names.end()) {
        return Error("scenarios: no scenario named '" + name.get<std::string>() + "'").dump();
      }
      run.scenarios.push_back(name.get<std::string>());
    }
  }
  run.max_rate = static_cast<double>(config_.bench.control.max_rate);
  run.max_duration = config_.bench.control.max_duration;
  std::string why;
  if (!Start(run, &why)) return Error(why).dump();
  MutexLock lock(&mu_);
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
  ++runs_;
  runner_ = std::make_unique<Runner>(target_, metrics_);
  thread_ = std::thread(&BenchController::RunInBackground, this, request, runs_);
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
    report.target = "this roseyd (" + target_->NatsUrl() + ")";
    report.environment = DescribeEnvironment("(running roseyd config)");
    const std::filesystem::path dir = config_.BenchOutDir();
    WriteReport(report, dir);
    const std::string where = std::filesystem::absolute(dir / "BENCHMARK_RESULTS.md").string();
    {
      MutexLock lock(&mu_);
      last_report_ = where;
    }
    summary["report"] = where;
    summary["exit_status"] = ExitStatus(report);
    json scenarios = json::array();
    for (const auto& r : report.scenarios) {
      scenarios.push_back({{"name", r.name}, {"status", VerdictName(r.status)}, {"note", r.note}});
    }
    summary["scenarios"] = scenarios;
    spdlog::info("bench: {} suite done in {:.0f} s; report: {}", report.suite, report.duration_s, where);
  } catch (const std::exception& e) {
    summary["error"] = e.what();
    spdlog::error("bench run {} failed: {}", run, e.what());
  }
  if (connection_ != nullptr) {
    (void)connection_->Publish(config_.bench.control.subject_prefix + ".results", summary.dump());
  }
  MutexLock lock(&mu_);
  running_ = false;
}

}  // namespace roseyd::loadgen
