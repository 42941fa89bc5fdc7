#include "app/cli/ctl_watch.h"

#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

namespace roseyd {
namespace {

using nlohmann::json;

// Built forwards rather than by insert(), which GCC 12 warns about
// (-Wrestrict, a false positive) once this file inlines more.
std::string Thousands(uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string s;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

// The exit status of the finished run a status reply describes.
int FinishedExit(const json& status) {
  if (status.value("cancelled", false)) return 2;
  const auto e = status.find("exit_status");
  if (e == status.end() || !e->is_number_integer()) return 2;
  return e->get<int>();
}

}  // namespace

int PrintFinished(const json& status) {
  const int exit = FinishedExit(status);
  for (const auto& d : status.value("done", json::array())) std::cout << "  " << d.get<std::string>() << "\n";
  const char* what = status.value("cancelled", false) ? "was cancelled"
                     : exit == 0                      ? "passed"
                     : exit == 1                      ? "failed"
                                                      : "could not run";
  std::cout << "run " << status.value("last_run", 0) << " " << what << " (exit status " << exit
            << "); report: " << status.value("report", std::string("(none)")) << std::endl;
  return exit;
}

std::string ProgressLine(const json& status) {
  char elapsed[32];
  std::snprintf(elapsed, sizeof(elapsed), "%.1f s", status.value("scenario_elapsed_s", 0.0));
  char run_elapsed[32];
  std::snprintf(run_elapsed, sizeof(run_elapsed), "%.0f s", status.value("run_elapsed_s", 0.0));
  return "run " + std::to_string(status.value("run", 0)) + " [" +
         std::to_string(status.value("scenario_index", 0)) + "/" +
         std::to_string(status.value("scenarios_total", 0)) + "] " +
         status.value("scenario", std::string("-")) + ", " + elapsed + ": sent " +
         Thousands(status.value("sent", uint64_t{0})) + ", persisted " +
         Thousands(status.value("persisted", uint64_t{0})) + " (" + run_elapsed + " into the run)";
}

int WatchRun(ControlClient& client, uint64_t run, std::chrono::milliseconds interval) {
  std::string last_line;
  size_t done_shown = 0;
  bool seen_running = false;
  for (;;) {
    json status;
    if (Status s = client.Call("status", json::object(), &status); !s.ok()) {
      std::cerr << "roseyd ctl: " << s.message() << "\n";
      return 2;
    }
    const uint64_t current = status.value("run", uint64_t{0});
    const bool running = status.value("running", false);
    if (run == 0) {
      if (!running) {
        if (status.value("last_run", uint64_t{0}) == 0) {
          std::cerr << "roseyd ctl: no run has started yet\n";
          return 2;
        }
        return PrintFinished(status);
      }
      run = current;
    }
    if (running && current == run) {
      seen_running = true;
      const auto& done = status["done"];
      for (; done_shown < done.size(); ++done_shown) {
        std::cout << "  " << done[done_shown].get<std::string>() << "\n";
      }
      const std::string line = ProgressLine(status);
      if (line != last_line && !status.value("scenario", std::string()).empty()) {
        std::cout << line << std::endl;
        last_line = line;
      }
    } else if (status.value("last_run", uint64_t{0}) >= run) {
      json finished = status;
      if (seen_running) {  // the scenarios already printed
        json rest = json::array();
        const auto& done = status["done"];
        for (size_t i = done_shown; i < done.size(); ++i) rest.push_back(done[i]);
        finished["done"] = rest;
      }
      return PrintFinished(finished);
    }
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace roseyd
