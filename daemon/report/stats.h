#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace roseyd::report {

// A latency histogram with at most 1 % relative error on every percentile
// (log-linear buckets, as HdrHistogram: each power of two split into 128
// linear sub-buckets), covering 1 ns to about 1 hour. Mean, standard
// deviation, min and max are exact (kept as running sums). Not thread-safe.
class LatencyHistogram {
 public:
  struct Bucket {
    int64_t lower_ns;  // inclusive
    int64_t upper_ns;  // exclusive
    uint64_t count;
  };

  LatencyHistogram();

  // Negative values are recorded as 0; values beyond the range as its top.
  void Record(std::chrono::nanoseconds value);
  void Merge(const LatencyHistogram& other);
  void Reset();

  uint64_t count() const { return count_; }
  std::chrono::nanoseconds min() const;
  std::chrono::nanoseconds max() const;
  double MeanNs() const;
  double StddevNs() const;  // population standard deviation
  // p in [0, 100]. The value at or below which p % of samples fall, reported
  // as the midpoint of its bucket (so within 1 % of the true sample).
  std::chrono::nanoseconds ValueAtPercentile(double p) const;

  std::vector<Bucket> NonEmptyBuckets() const;

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  int64_t min_ns_ = 0;
  int64_t max_ns_ = 0;
  double sum_ns_ = 0;
  double sum_sq_ns_ = 0;  // for the standard deviation (Welford would be overkill at ns scale)
};

// The statistics every latency figure is reported with (BENCHMARKS.md), in
// milliseconds.
struct LatencySummary {
  uint64_t n = 0;
  double mean_ms = 0;
  double median_ms = 0;
  double p90_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double min_ms = 0;
  double max_ms = 0;
  double stddev_ms = 0;
};
LatencySummary Summarize(const LatencyHistogram& histogram);

// Least-squares slope of y over x (units of y per unit of x); 0 with fewer
// than two distinct x.
double LeastSquaresSlope(std::span<const std::pair<double, double>> points);

// A least-squares line and the 95 % confidence band of its slope.
struct LineFit {
  double slope = 0;
  double center_x = 0;  // the means of x and y: the line passes through them
  double center_y = 0;
  // The slope's 95 % band: slope -/+ t * SE, SE from the residuals' standard
  // error. Successive samples of a process (RSS each second) are not
  // independent, so n is replaced by the effective sample size
  // n (1 - r1) / (1 + r1), r1 the residuals' lag-1 autocorrelation (when
  // positive), in the residual variance and in t's degrees of freedom
  // (Santer et al. 2000). Infinite when fewer than 3 effective samples.
  double slope_low = 0;
  double slope_high = 0;
  double lag1_autocorrelation = 0;  // of the residuals
  double effective_n = 0;
  size_t n = 0;
};
// The fit of `points` (in x order: a time series); all zero with fewer
// than two distinct x. `resolution` is the step in which y is measured (a
// page of RSS): a series that never moved by one still has that much
// uncertainty, the variance of rounding to it (resolution^2 / 12), so its
// band is not zero wide.
LineFit FitLine(std::span<const std::pair<double, double>> points, double resolution = 0);

// The two-sided 95 % quantile of Student's t (t such that 2.5 % lies above
// it) for `dof` degrees of freedom (fractional allowed, >= 1).
double StudentT95(double dof);

// How a measured figure is judged against its target.
enum class Comparison { kAtMost, kAtLeast };

// PASS within target; WARN within 20 % past it; FAIL beyond; NOT_RUN when
// the scenario could not measure it (as the original's status bands).
// DISTURBED: a timing target missed (WARN or FAIL) while the machine's noise
// floor moved (loadgen::Judge): the run cannot say whether roseyd missed it.
// CANCELLED: the run was cancelled while the scenario ran or before it
// started (a scenario's status only; reports before it said NOT RUN with a
// note starting "cancelled"). The values are those of the
// roseyd_bench_status gauge (dashboards read them), not an order:
// WorseVerdict ranks them.
enum class Verdict {
  kPass = 0,
  kWarn = 1,
  kFail = 2,
  kNotRun = 3,
  kDisturbed = 4,
  kCancelled = 5
};
Verdict Judge(double measured, double target, Comparison comparison);
// "PASS", "WARN", "FAIL", "NOT RUN", "DISTURBED", "CANCELLED"
std::string_view VerdictName(Verdict verdict);
// The worse of two verdicts, in the order PASS < WARN < DISTURBED < FAIL <
// NOT RUN < CANCELLED: a scenario's status is its worst figure's. DISTURBED
// sits above WARN (a miss whose cause the run cannot tell outweighs a near
// miss) and below FAIL (a miss with a quiet floor, or on a figure noise
// cannot excuse, such as lost, is roseyd's).
Verdict WorseVerdict(Verdict a, Verdict b);

// target / measured for kAtMost, measured / target for kAtLeast: above 1 is
// room to spare. Infinity when the measured figure is 0 under kAtMost.
double Headroom(double measured, double target, Comparison comparison);

}  // namespace roseyd::report
