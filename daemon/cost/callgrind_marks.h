#pragma once

#include <string>

#include "cost/cost_workload.h"

namespace roseyd::cost {

// PhaseMarks for valgrind's callgrind, through its client requests: Begin
// turns instrumentation on and zeroes the counts, End writes them to a dump
// described "roseyd-cost:<label>" and turns instrumentation off again, so
// that only the measured part is counted (every thread of it) and the setup
// runs faster. Outside valgrind the requests cost a few instructions and do
// nothing. Run the program with --instr-atstart=no.
//
// Thread: call from one thread; what runs between the marks may use any.
class CallgrindMarks : public PhaseMarks {
 public:
  static constexpr const char* kDumpPrefix = "roseyd-cost:";

  // True when this process runs under valgrind and was built with its
  // client requests.
  static bool UnderValgrind();

  void Begin() override;
  void End(const std::string& label) override;
};

}  // namespace roseyd::cost
