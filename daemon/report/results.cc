#include "report/results.h"

namespace roseyd::report {

std::string_view PriorityName(Priority priority) {
  switch (priority) {
    case Priority::kP0: return "P0";
    case Priority::kP1: return "P1";
    case Priority::kP2: return "P2";
    case Priority::kNone: return "-";
  }
  return "-";
}

}  // namespace roseyd::report
