#include "report/figure_text.h"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace roseyd::report {

namespace {

// "158147" -> "158,147".
std::string Grouped(const std::string& digits) {
  const size_t sign = digits.empty() || digits[0] != '-' ? 0 : 1;
  std::string out = digits;
  for (int i = static_cast<int>(out.size()) - 3; i > static_cast<int>(sign); i -= 3) {
    out.insert(static_cast<size_t>(i), ",");
  }
  return out;
}

}  // namespace

std::string Num(double v) {
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (std::isnan(v)) return "nan";
  std::ostringstream s;
  const double a = std::fabs(v);
  // From 100 up, 3 significant digits are whole numbers (999.8 is "1000",
  // never "1e+03").
  if (a >= 100 || a == std::floor(a)) {
    s << std::fixed << std::setprecision(0) << (a >= 100 ? std::round(v) : v);
    return std::fabs(std::round(v)) >= 10000 ? Grouped(s.str()) : s.str();
  }
  s << std::setprecision(3) << v;
  return s.str();
}

std::string Ratio(double v) {
  if (!std::isfinite(v) || v <= 0) return "-";
  std::ostringstream s;
  s << "×" << (v >= 100 ? std::to_string(static_cast<long long>(std::round(v)))
                        : [&] {
                            std::ostringstream t;
                            t << std::setprecision(v >= 10 ? 3 : 2) << v;
                            return t.str();
                          }());
  return s.str();
}

std::string Change(double from, double to) {
  if (!std::isfinite(from) || !std::isfinite(to)) return "-";
  if (from == 0) return to == 0 ? "0 %" : "new";
  const double pct = 100.0 * (to - from) / std::fabs(from);
  std::ostringstream s;
  s << (pct > 0 ? "+" : "") << std::setprecision(std::fabs(pct) >= 10 ? 3 : 2) << pct << " %";
  return s.str();
}

std::string TargetText(const Figure& f) {
  if (!f.target) return "-";
  return std::string(f.comparison == Comparison::kAtMost ? "<= " : ">= ") + Num(*f.target);
}

}  // namespace roseyd::report
