#include "report/stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace roseyd::report {

namespace {

constexpr int kSubBits = 7;  // 128 sub-buckets per power of two: < 0.8 % error
constexpr int64_t kSubCount = int64_t{1} << kSubBits;
constexpr int64_t kMaxValueNs = int64_t{1} << 42;  // about 73 minutes
constexpr int kMaxExponent = 42 - kSubBits;        // highest power-of-two band

// Values below kSubCount have their own bucket; above, bucket = band * 128 + top 7 bits.
size_t BucketOf(int64_t v) {
  if (v < kSubCount) return static_cast<size_t>(v);
  const int msb = 63 - std::countl_zero(static_cast<uint64_t>(v));
  const int band = msb - kSubBits + 1;
  const int64_t sub = (v >> (band - 1)) - kSubCount;  // 0..127
  return static_cast<size_t>(band * kSubCount + sub);
}

int64_t BucketLower(size_t b) {
  const auto i = static_cast<int64_t>(b);
  if (i < kSubCount) return i;
  const int64_t band = i / kSubCount;
  const int64_t sub = i % kSubCount;
  return (kSubCount + sub) << (band - 1);
}

int64_t BucketUpper(size_t b) {
  const auto i = static_cast<int64_t>(b);
  if (i < kSubCount) return i + 1;
  const int64_t band = i / kSubCount;
  return BucketLower(b) + (int64_t{1} << (band - 1));
}

constexpr size_t kBuckets = static_cast<size_t>((kMaxExponent + 1) * kSubCount + kSubCount);

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(kBuckets, 0) {}

void LatencyHistogram::Record(std::chrono::nanoseconds value) {
  const int64_t v = std::clamp<int64_t>(value.count(), 0, kMaxValueNs - 1);
  ++counts_[BucketOf(v)];
  if (count_ == 0 || v < min_ns_) min_ns_ = v;
  if (count_ == 0 || v > max_ns_) max_ns_ = v;
  ++count_;
  const auto d = static_cast<double>(v);
  sum_ns_ += d;
  sum_sq_ns_ += d * d;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ns_ = count_ == 0 ? other.min_ns_ : std::min(min_ns_, other.min_ns_);
  max_ns_ = count_ == 0 ? other.max_ns_ : std::max(max_ns_, other.max_ns_);
  count_ += other.count_;
  sum_ns_ += other.sum_ns_;
  sum_sq_ns_ += other.sum_sq_ns_;
}

void LatencyHistogram::Reset() { *this = LatencyHistogram(); }

std::chrono::nanoseconds LatencyHistogram::min() const { return std::chrono::nanoseconds(min_ns_); }
std::chrono::nanoseconds LatencyHistogram::max() const { return std::chrono::nanoseconds(max_ns_); }

double LatencyHistogram::MeanNs() const {
  return count_ == 0 ? 0 : sum_ns_ / static_cast<double>(count_);
}

double LatencyHistogram::StddevNs() const {
  if (count_ == 0) return 0;
  const double mean = MeanNs();
  const double var = sum_sq_ns_ / static_cast<double>(count_) - mean * mean;
  return var > 0 ? std::sqrt(var) : 0;
}

std::chrono::nanoseconds LatencyHistogram::ValueAtPercentile(double p) const {
  if (count_ == 0) return std::chrono::nanoseconds(0);
  p = std::clamp(p, 0.0, 100.0);
  // The rank of the sample at p (1-based, nearest rank).
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t b = 0; b < counts_.size(); ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      // Midpoint of the bucket, kept inside the exact min and max.
      const int64_t mid = BucketLower(b) + (BucketUpper(b) - 1 - BucketLower(b)) / 2;
      return std::chrono::nanoseconds(std::clamp(mid, min_ns_, max_ns_));
    }
  }
  return std::chrono::nanoseconds(max_ns_);
}

std::vector<LatencyHistogram::Bucket> LatencyHistogram::NonEmptyBuckets() const {
  std::vector<Bucket> out;
  for (size_t b = 0; b < counts_.size(); ++b) {
    if (counts_[b] > 0) out.push_back(Bucket{BucketLower(b), BucketUpper(b), counts_[b]});
  }
  return out;
}

LatencySummary Summarize(const LatencyHistogram& h) {
  const auto ms = [](std::chrono::nanoseconds v) { return static_cast<double>(v.count()) / 1e6; };
  LatencySummary s;
  s.n = h.count();
  if (s.n == 0) return s;
  s.mean_ms = h.MeanNs() / 1e6;
  s.median_ms = ms(h.ValueAtPercentile(50));
  s.p90_ms = ms(h.ValueAtPercentile(90));
  s.p95_ms = ms(h.ValueAtPercentile(95));
  s.p99_ms = ms(h.ValueAtPercentile(99));
  s.p999_ms = ms(h.ValueAtPercentile(99.9));
  s.min_ms = ms(h.min());
  s.max_ms = ms(h.max());
  s.stddev_ms = h.StddevNs() / 1e6;
  return s;
}

double LeastSquaresSlope(std::span<const std::pair<double, double>> points) {
  return FitLine(points).slope;
}

LineFit FitLine(std::span<const std::pair<double, double>> points, double resolution) {
  LineFit fit;
  fit.n = points.size();
  if (points.size() < 2) return fit;
  double mx = 0, my = 0;
  for (const auto& [x, y] : points) {
    mx += x;
    my += y;
  }
  mx /= static_cast<double>(points.size());
  my /= static_cast<double>(points.size());
  double sxy = 0, sxx = 0;
  for (const auto& [x, y] : points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  if (!(sxx > 0)) return fit;
  fit.slope = sxy / sxx;
  fit.center_x = mx;
  fit.center_y = my;
  // Residuals, in the points' order (a time series: x ascending).
  double sse = 0, lagged = 0, previous = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    const double e = points[i].second - (my + fit.slope * (points[i].first - mx));
    sse += e * e;
    if (i > 0) lagged += e * previous;
    previous = e;
  }
  fit.lag1_autocorrelation = sse > 0 ? lagged / sse : 0;
  // Only a positive correlation shrinks the information in the samples; a
  // value near 1 (a step, a slow drift) leaves almost none.
  const double r = std::clamp(fit.lag1_autocorrelation, 0.0, 0.99);
  fit.effective_n = static_cast<double>(points.size()) * (1 - r) / (1 + r);
  if (fit.effective_n <= 2) {
    fit.slope_low = -std::numeric_limits<double>::infinity();
    fit.slope_high = std::numeric_limits<double>::infinity();
    return fit;
  }
  const double dof = fit.effective_n - 2;
  const double variance = std::max(sse / dof, resolution * resolution / 12);
  const double half = StudentT95(dof) * std::sqrt(variance / sxx);
  fit.slope_low = fit.slope - half;
  fit.slope_high = fit.slope + half;
  return fit;
}

double StudentT95(double dof) {
  // t(0.975) for 1..30 degrees of freedom; between them linear in 1/dof,
  // which follows the curve closely.
  static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                      2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                      2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                      2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  dof = std::max(dof, 1.0);
  if (dof <= 30) {
    const int lo = static_cast<int>(std::floor(dof));
    if (lo == 30 || dof == lo) return kTable[lo - 1];
    const double w = (1 / static_cast<double>(lo) - 1 / dof) /
                     (1 / static_cast<double>(lo) - 1 / static_cast<double>(lo + 1));
    return kTable[lo - 1] + w * (kTable[lo] - kTable[lo - 1]);
  }
  // Beyond 30: the Cornish-Fisher expansion around the normal quantile
  // (within 1e-4 of the exact value there).
  constexpr double z = 1.959963985;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / 4 / dof + (5 * z5 + 16 * z3 + 3 * z) / 96 / (dof * dof) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384 / (dof * dof * dof);
}

Verdict Judge(double measured, double target, Comparison comparison) {
  if (std::isnan(measured)) return Verdict::kFail;
  if (comparison == Comparison::kAtMost) {
    if (measured <= target) return Verdict::kPass;
    // 20 % past a target of 0 is still 0: anything above it fails.
    return measured <= target * 1.2 ? Verdict::kWarn : Verdict::kFail;
  }
  if (measured >= target) return Verdict::kPass;
  return measured >= target * 0.8 ? Verdict::kWarn : Verdict::kFail;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass: return "PASS";
    case Verdict::kWarn: return "WARN";
    case Verdict::kFail: return "FAIL";
    case Verdict::kNotRun: return "NOT RUN";
    case Verdict::kDisturbed:
      return "DISTURBED";
    case Verdict::kCancelled:
      return "CANCELLED";
  }
  return "NOT RUN";
}

Verdict WorseVerdict(Verdict a, Verdict b) {
  const auto rank = [](Verdict v) {
    switch (v) {
      case Verdict::kPass:
        return 0;
      case Verdict::kWarn:
        return 1;
      case Verdict::kDisturbed:
        return 2;
      case Verdict::kFail:
        return 3;
      case Verdict::kNotRun:
        return 4;
      case Verdict::kCancelled:
        return 5;
    }
    return 4;
  };
  return rank(a) >= rank(b) ? a : b;
}

double Headroom(double measured, double target, Comparison comparison) {
  if (comparison == Comparison::kAtMost) {
    return measured > 0 ? target / measured : std::numeric_limits<double>::infinity();
  }
  return target > 0 ? measured / target : std::numeric_limits<double>::infinity();
}

}  // namespace roseyd::report
