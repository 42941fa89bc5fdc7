#include "loadgen/instruction_count.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/scratch_dir.h"

namespace roseyd::loadgen {

namespace {

using Clock = std::chrono::steady_clock;

// The workloads take seconds under valgrind; one taking this long is stuck.
constexpr std::chrono::minutes kCostRunLimit{15};
constexpr std::string_view kDumpPrefix = "roseyd-cost:";  // cost::CallgrindMarks::kDumpPrefix

// What the program itself said in a log valgrind also wrote to: its own
// lines are those without valgrind's "==pid==" prefix.
std::string ProgramLines(const std::string& log) {
  std::istringstream in(log);
  std::string line;
  std::string said;
  while (std::getline(in, line)) {
    if (line.rfind("==", 0) != 0 && !line.empty()) said += (said.empty() ? "" : "; ") + line;
  }
  return said.size() > 600 ? said.substr(said.size() - 600) : said;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string FindValgrind() { return FindOnPath("valgrind"); }

std::optional<CallgrindDump> ParseCallgrindDump(std::string_view text) {
  std::optional<std::string> label;
  std::optional<double> totals;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(at, end - at);
    at = end + 1;
    constexpr std::string_view kDesc = "desc: Trigger: Client Request: ";
    constexpr std::string_view kTotals = "totals: ";
    if (line.substr(0, kDesc.size()) == kDesc) {
      const std::string_view request = line.substr(kDesc.size());
      if (request.substr(0, kDumpPrefix.size()) == kDumpPrefix) {
        label = std::string(request.substr(kDumpPrefix.size()));
      }
    } else if (line.substr(0, kTotals.size()) == kTotals) {
      // Only Ir is collected: the first number is the instruction count.
      totals = std::strtod(std::string(line.substr(kTotals.size())).c_str(), nullptr);
    }
  }
  if (!label || !totals) return std::nullopt;
  return CallgrindDump{*label, *totals};
}

InstructionCount CountInstructions(const CostRun& run, const std::atomic<bool>& cancelled) {
  const std::string valgrind = FindValgrind();
  if (valgrind.empty()) throw std::runtime_error("valgrind is not installed");
  ScratchDir scratch("roseyd-cost");
  std::vector<std::string> argv = {valgrind,
                                   "--tool=callgrind",
                                   "--instr-atstart=no",
                                   "--dump-line=no",
                                   "--callgrind-out-file=" + scratch.File("callgrind.out"),
                                   run.roseyd.empty() ? SelfExecutable() : run.roseyd,
                                   "cost",
                                   "--workload",
                                   run.workload,
                                   "--count",
                                   std::to_string(run.count),
                                   "--json",
                                   scratch.File("outcome.json")};
  if (run.postgres_url.empty()) {
    argv.insert(argv.end(), {"--db", scratch.File("cost.db")});
  } else {
    argv.insert(argv.end(), {"--store-url", run.postgres_url});
  }
  ChildOptions options;
  options.log_path = scratch.File("valgrind.log");
  options.deadline = Clock::now() + kCostRunLimit;
  options.cancelled = &cancelled;
  const Clock::time_point began = Clock::now();
  const ChildExit exit = RunChild(argv, options);
  InstructionCount count;
  count.valgrind_seconds = std::chrono::duration<double>(Clock::now() - began).count();
  if (!exit.ok()) {
    throw std::runtime_error("the " + run.workload + " workload under valgrind ended with " +
                             exit.Describe() + ": " + ProgramLines(ReadFile(options.log_path)));
  }
  const nlohmann::json outcome = nlohmann::json::parse(ReadFile(scratch.File("outcome.json")),
                                                       nullptr, /*allow_exceptions=*/false);
  if (outcome.is_discarded() || !outcome.value("under_valgrind", false)) {
    throw std::runtime_error("the " + run.workload +
                             " workload did not run under valgrind's client requests (a build "
                             "without valgrind/callgrind.h?)");
  }
  count.measured = outcome.value("measured", int64_t{0});
  count.transactions = outcome.value("transactions", int64_t{0});
  const std::string want = run.workload + ":" + std::to_string(run.count);
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
    if (entry.path().filename().string().rfind("callgrind.out.", 0) != 0) continue;
    const std::optional<CallgrindDump> dump = ParseCallgrindDump(ReadFile(entry.path().string()));
    if (dump && dump->label == want) count.instructions = dump->instructions;
  }
  if (count.instructions <= 0 || count.measured <= 0) {
    throw std::runtime_error("callgrind wrote no count for " + want + ": " +
                             ProgramLines(ReadFile(options.log_path)));
  }
  return count;
}

}  // namespace roseyd::loadgen
