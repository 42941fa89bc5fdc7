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

// How a measured figure is judged against its target.
enum class Comparison { kAtMost, kAtLeast };

// PASS within target; WARN within 20 % past it; FAIL beyond; NOT_RUN when
// the scenario could not measure it (as the original's status bands).
enum class Verdict { kPass = 0, kWarn = 1, kFail = 2, kNotRun = 3 };
Verdict Judge(double measured, double target, Comparison comparison);
std::string_view VerdictName(Verdict verdict);  // "PASS", "WARN", "FAIL", "NOT RUN"

// target / measured for kAtMost, measured / target for kAtLeast: above 1 is
// room to spare. Infinity when the measured figure is 0 under kAtMost.
double Headroom(double measured, double target, Comparison comparison);

}  // namespace roseyd::report
