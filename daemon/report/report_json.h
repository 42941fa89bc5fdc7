#pragma once

#include <string>
#include <string_view>

#include "report/results.h"

namespace roseyd::report {

// benchmark_results.json (schema_version 1): every field of `report`, the
// histogram buckets and the timelines. JSON has no infinity: an infinite
// figure is written as null and read back as infinity.
std::string FormatReportJson(const RunReport& report);

// The RunReport in `text`, as FormatReportJson wrote it. `source` names the
// text in errors. Throws std::runtime_error naming the source and, for a
// missing or mistyped field, the field.
RunReport ParseReportJson(std::string_view text, const std::string& source);

}  // namespace roseyd::report
