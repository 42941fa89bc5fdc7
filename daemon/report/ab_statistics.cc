#include "report/ab_statistics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

namespace roseyd::report {

namespace {

constexpr double kAlpha = 1 - kConfidence;
// z for a two-sided kConfidence and for 80 % power, for the detectable change.
constexpr double kZAlpha = 2.5758;
constexpr double kZPower = 0.8416;

bool AllPositiveAndFinite(const std::vector<double>& values) {
  return std::all_of(values.begin(), values.end(),
                     [](double v) { return v > 0 && std::isfinite(v); });
}

// Counts of T+ (doubled, so that tied half ranks are integers) over the 2^n
// sign patterns of the doubled ranks `ranks2`.
std::vector<double> SignedRankCounts(const std::vector<int64_t>& ranks2) {
  int64_t total = 0;
  for (const int64_t r : ranks2) total += r;
  std::vector<double> counts(static_cast<size_t>(total) + 1, 0);
  counts[0] = 1;
  int64_t reach = 0;
  for (const int64_t r : ranks2) {
    for (int64_t s = reach; s >= 0; --s) {
      if (counts[static_cast<size_t>(s)] != 0) counts[static_cast<size_t>(s + r)] += counts[static_cast<size_t>(s)];
    }
    reach += r;
  }
  return counts;
}

// P(T+ <= t2) under the null, t2 doubled.
double LowerTail(const std::vector<double>& counts, int64_t t2) {
  double below = 0;
  double all = 0;
  for (size_t s = 0; s < counts.size(); ++s) {
    all += counts[s];
    if (static_cast<int64_t>(s) <= t2) below += counts[s];
  }
  return below / all;
}

// The exact two-sided p value of the signed-rank test on `d` (zeros dropped,
// ties given their mean rank).
double SignedRankPValue(const std::vector<double>& d) {
  std::vector<double> nonzero;
  for (const double x : d) {
    if (x != 0) nonzero.push_back(x);
  }
  const size_t n = nonzero.size();
  if (n == 0) return 1;
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return std::fabs(nonzero[a]) < std::fabs(nonzero[b]); });
  std::vector<int64_t> ranks2(n);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && std::fabs(nonzero[order[j + 1]]) == std::fabs(nonzero[order[i]])) ++j;
    // Ranks i+1..j+1 share their mean; doubled: i + j + 2.
    for (size_t k = i; k <= j; ++k) ranks2[order[k]] = static_cast<int64_t>(i + j + 2);
    i = j + 1;
  }
  int64_t plus2 = 0;
  int64_t total2 = 0;
  for (size_t i = 0; i < n; ++i) {
    total2 += ranks2[i];
    if (nonzero[i] > 0) plus2 += ranks2[i];
  }
  const std::vector<double> counts = SignedRankCounts(ranks2);
  const double tail = LowerTail(counts, std::min(plus2, total2 - plus2));
  return std::min(1.0, 2 * tail);
}

// The Hodges-Lehmann estimate of the centre of `d` and its exact
// kConfidence interval: the median of the Walsh averages, and the (k+1)-th
// average from either end, where k is the largest with P(T+ <= k) <=
// alpha/2 (the extremes when no k is: too few pairs for the confidence).
struct Centre {
  double estimate = 0;
  double low = 0;
  double high = 0;
};
Centre HodgesLehmann(const std::vector<double>& d) {
  const size_t n = d.size();
  std::vector<double> walsh;
  walsh.reserve(n * (n + 1) / 2);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) walsh.push_back((d[i] + d[j]) / 2);
  }
  std::sort(walsh.begin(), walsh.end());
  std::vector<int64_t> ranks2(n);
  for (size_t i = 0; i < n; ++i) ranks2[i] = static_cast<int64_t>(2 * (i + 1));
  const std::vector<double> counts = SignedRankCounts(ranks2);
  size_t below = 0;  // how many k satisfy it: k is below - 1
  while (LowerTail(counts, 2 * static_cast<int64_t>(below)) <= kAlpha / 2) ++below;
  const size_t m = walsh.size();
  const size_t k = std::min(below > 0 ? below - 1 : 0, (m - 1) / 2);
  Centre c;
  c.estimate = Median(walsh);
  c.low = walsh[k];
  c.high = walsh[m - 1 - k];
  return c;
}

// Relative spread of one side's rounds: (max - min) / median.
double RelativeRange(const std::vector<double>& v) {
  const double median = Median(v);
  if (median == 0) return 0;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return (*hi - *lo) / std::fabs(median);
}

// Whether `ratio` (candidate / base) is on the worse side of `bound`, for
// the figure's direction.
bool Worse(double ratio, double bound, bool higher_is_better) {
  return higher_is_better ? ratio < bound : ratio > bound;
}

std::string Percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f %%", 100 * fraction);
  return text;
}

AbResult CompareCounted(const AbSamples& s, double tolerance, AbResult r) {
  const auto [bmin, bmax] = std::minmax_element(s.base.begin(), s.base.end());
  const auto [cmin, cmax] = std::minmax_element(s.candidate.begin(), s.candidate.end());
  r.ratio = r.candidate_median / r.base_median;
  r.ci_low = *cmin / *bmax;
  r.ci_high = *cmax / *bmin;
  r.detectable = kCountResolution;
  const double spread = std::max(RelativeRange(s.base), RelativeRange(s.candidate));
  const double up = 1 + kCountResolution;
  const double down = 1 - kCountResolution;
  if (spread > kCountResolution) {
    r.verdict = AbVerdict::kDisturbed;
    r.why = "the counts of one side differ by " + Percent(spread) + " between rounds";
  } else if (r.ci_low > up || r.ci_high < down) {
    const bool worse = Worse(r.ratio, 1, s.higher_is_better);
    r.verdict = worse ? AbVerdict::kSlower : AbVerdict::kFaster;
    r.why = "every count moved past the " + Percent(kCountResolution) + " resolution";
    r.slower_beyond_tolerance = worse && (r.ci_low > 1 + tolerance || r.ci_high < 1 - tolerance);
  } else {
    r.verdict = AbVerdict::kSame;
    r.why = "within the " + Percent(kCountResolution) + " resolution of instruction counts";
  }
  return r;
}

AbResult CompareTimed(const AbSamples& s, double tolerance, AbResult r) {
  const size_t n = r.rounds;
  // Log ratios when every value is positive; else plain differences (a count
  // of failures from zero), whose interval is then on the base's scale.
  const bool logs = AllPositiveAndFinite(s.base) && AllPositiveAndFinite(s.candidate);
  std::vector<double> d(n);
  for (size_t i = 0; i < n; ++i) {
    d[i] = logs ? std::log(s.candidate[i] / s.base[i]) : s.candidate[i] - s.base[i];
  }
  const Centre c = HodgesLehmann(d);
  r.p_value = SignedRankPValue(d);
  const double scale = logs ? 0 : std::fabs(r.base_median);
  const auto to_ratio = [&](double x) {
    if (logs) return std::exp(x);
    return scale > 0 ? 1 + x / scale : (x == 0 ? 1.0 : std::copysign(INFINITY, x));
  };
  r.ratio = to_ratio(c.estimate);
  r.ci_low = to_ratio(c.low);
  r.ci_high = to_ratio(c.high);
  // The interval's half-width is the change found half the time; scaled
  // to 80 % power. From the interval, not a spread estimate, so that noise of
  // any shape (two modes, a heavy tail) widens it as it widens the interval.
  const double half_width = std::max(c.high - c.estimate, c.estimate - c.low);
  const double detectable_d = half_width * (kZAlpha + kZPower) / kZAlpha;
  r.detectable = logs ? std::exp(detectable_d) - 1
                      : (scale > 0 ? detectable_d / scale : (detectable_d == 0 ? 0 : INFINITY));
  if (std::all_of(d.begin(), d.end(), [](double x) { return x == 0; })) {
    r.verdict = AbVerdict::kSame;
    r.why = "equal in every round";
    return r;
  }
  if (n < kMinTimedRounds) {
    r.verdict = AbVerdict::kDisturbed;
    r.why = std::to_string(n) + " rounds: at least " + std::to_string(kMinTimedRounds) +
            " are needed to say anything at " + Percent(kConfidence) + " confidence";
    return r;
  }
  const bool excludes_no_change = r.ci_low > 1 || r.ci_high < 1;
  if (excludes_no_change) {
    const bool worse = Worse(r.ratio, 1, s.higher_is_better);
    r.verdict = worse ? AbVerdict::kSlower : AbVerdict::kFaster;
    r.why = "the " + Percent(kConfidence) + " interval excludes no change";
    r.slower_beyond_tolerance = worse && (r.ci_low > 1 + tolerance || r.ci_high < 1 - tolerance);
  } else if (r.detectable <= tolerance) {
    r.verdict = AbVerdict::kSame;
    r.why = "no change found, and one of " + Percent(r.detectable) + " would have been";
  } else {
    r.verdict = AbVerdict::kDisturbed;
    r.why = "no change found, but the noise hides any under " + Percent(r.detectable) +
            " (tolerance " + Percent(tolerance) + ")";
  }
  return r;
}

}  // namespace

std::string_view AbVerdictName(AbVerdict verdict) {
  switch (verdict) {
    case AbVerdict::kSame: return "same";
    case AbVerdict::kSlower: return "slower";
    case AbVerdict::kFaster: return "faster";
    case AbVerdict::kDisturbed: return "disturbed";
  }
  return "disturbed";
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

AbResult CompareAb(const AbSamples& samples, double tolerance) {
  AbResult r;
  r.rounds = std::min(samples.base.size(), samples.candidate.size());
  AbSamples paired = samples;
  paired.base.resize(r.rounds);
  paired.candidate.resize(r.rounds);
  if (r.rounds == 0) {
    r.why = "no round measured it on both sides";
    return r;
  }
  r.base_median = Median(paired.base);
  r.candidate_median = Median(paired.candidate);
  if (paired.counted && r.base_median > 0 && AllPositiveAndFinite(paired.base) &&
      AllPositiveAndFinite(paired.candidate)) {
    return CompareCounted(paired, tolerance, r);
  }
  return CompareTimed(paired, tolerance, r);
}

}  // namespace roseyd::report
