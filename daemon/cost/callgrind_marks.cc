#include "cost/callgrind_marks.h"

#if ROSEYD_HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#endif

namespace roseyd::cost {

#if ROSEYD_HAVE_CALLGRIND_H

bool CallgrindMarks::UnderValgrind() { return RUNNING_ON_VALGRIND != 0; }

void CallgrindMarks::Begin() {
  CALLGRIND_START_INSTRUMENTATION;
  CALLGRIND_ZERO_STATS;
}

void CallgrindMarks::End(const std::string& label) {
  const std::string description = kDumpPrefix + label;
  CALLGRIND_DUMP_STATS_AT(description.c_str());
  CALLGRIND_STOP_INSTRUMENTATION;
}

#else  // Built without valgrind's header: nothing can count.

bool CallgrindMarks::UnderValgrind() { return false; }
void CallgrindMarks::Begin() {}
void CallgrindMarks::End(const std::string&) {}

#endif

}  // namespace roseyd::cost
