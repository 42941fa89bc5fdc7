#pragma once

// The report's names under loadgen::, for code written before the report
// became its own part (daemon/report/) and still naming them through
// loadgen:: (daemon/app/main.cc). New code names report:: and includes the
// report's headers; delete this header once nothing includes it.

#include "loadgen/environment.h"
#include "report/baseline.h"
#include "report/exit_status.h"
#include "report/report_files.h"
#include "report/results.h"
#include "report/stats.h"

namespace roseyd::loadgen {

using report::CompareToBaseline;
using report::ExitStatus;
using report::PriorityName;
using report::ReadReportJson;
using report::RunReport;
using report::ScenarioResult;
using report::Verdict;
using report::VerdictName;
using report::WriteReport;

}  // namespace roseyd::loadgen
