#pragma once

#include <string>

#include "report/results.h"

namespace roseyd::report {

// How the report writes numbers, for every table of BENCHMARK_RESULTS.md.

// 3 significant digits below 100, whole numbers from 100 up, never an
// exponent, thousands grouped from 10,000 ("158,147"), "inf" for the
// unmeasurable ("-inf" below every number, as an unbounded band's end).
std::string Num(double v);
// A ratio as "×12.3" ("×0.85"); "-" when it cannot be formed.
std::string Ratio(double v);
// A signed change in percent, "+12 %", "-3.1 %"; "new" from 0.
std::string Change(double from, double to);
// "<= 5" or ">= 100": a judged figure's target.
std::string TargetText(const Figure& f);

}  // namespace roseyd::report
