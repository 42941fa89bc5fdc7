#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace roseyd::report {

// The verdicts of an A/B comparison (roseyd bench --compare), per figure:
// the candidate is slower or faster than the base with confidence, the same
// within what this run could have detected, or the run was too noisy to say
// (docs/BENCHMARKS.md, "A/B on one machine").
enum class AbVerdict { kSame, kSlower, kFaster, kDisturbed };
std::string_view AbVerdictName(AbVerdict verdict);  // "same", "slower", "faster", "disturbed"

// One figure's values from interleaved rounds: base[i] and candidate[i] ran
// in round i, one right after the other.
struct AbSamples {
  std::vector<double> base;
  std::vector<double> candidate;
  bool higher_is_better = false;  // throughput; else a cost or a latency
  // An instruction count: the same from run to run up to the allocator's
  // noise (a few tenths of a percent), so one or two rounds settle it.
  bool counted = false;
};

struct AbResult {
  size_t rounds = 0;  // pairs compared
  double base_median = 0;
  double candidate_median = 0;
  // candidate / base: the Hodges-Lehmann estimate over the paired rounds for
  // timed figures (it agrees with the ratio of the medians up to the noise),
  // the ratio of the medians for counted ones.
  double ratio = 1;
  double ci_low = 1;   // the ratio's confidence interval (kConfidence)
  double ci_high = 1;
  double p_value = 1;  // two-sided, exact Wilcoxon signed-rank; 1 for counted figures
  // The smallest change (a fraction: 0.03 is 3 %) this run would have found
  // with about 80 % power: the interval's half-width, scaled from the 50 %
  // power it stands for.
  double detectable = 0;
  AbVerdict verdict = AbVerdict::kDisturbed;
  // Slower, and even the interval's end nearest to no change is past the
  // tolerance: what fails the run.
  bool slower_beyond_tolerance = false;
  std::string why;  // one line: what decided the verdict
};

// Confidence of every interval: 99 %, so that an A/A run calls a timed figure
// slower by chance about once in 200.
inline constexpr double kConfidence = 0.99;
// Fewer pairs than this cannot reach kConfidence with the exact test.
inline constexpr size_t kMinTimedRounds = 8;
// Instruction counts move by a few tenths of a percent between runs of one
// binary; a change below this is not called.
inline constexpr double kCountResolution = 0.01;

// Compares candidate with base. Timed figures: the paired log ratios of
// the rounds, an exact Wilcoxon signed-rank test and its Hodges-Lehmann
// interval, so that no assumption about the noise's shape is made, and
// drift that hits both sides of a round alike cancels. Counted figures: the
// ratio of the medians, the interval from the extremes, resolution
// kCountResolution. `tolerance` (a fraction) decides what this run must be
// able to detect to call a figure the same, and what fails the run.
AbResult CompareAb(const AbSamples& samples, double tolerance);

// The median of `values` (0 for none).
double Median(std::vector<double> values);

}  // namespace roseyd::report
