#pragma once

#include <cstddef>
#include <vector>

namespace roseyd::loadgen {

// The course of the capacity ramp: which rate to try, when to try one
// again, when to stop, and the capacity found. A rate whose attempt misses
// (p99 over target, or anything lost) is tried again: one noisy step of a
// few seconds must not end the search. The search stops after
// `misses_to_stop` misses in a row at one rate, or once every rate passed.
// Capacity is the highest rate that passed.
//
// Thread: confined to its caller.
class CapacitySearch {
 public:
  // `rates` lowest first. REQUIRES: misses_to_stop >= 1.
  explicit CapacitySearch(std::vector<double> rates, int misses_to_stop = 2);

  bool done() const { return stopped_ || index_ >= rates_.size(); }
  // The rate to try now. REQUIRES: !done().
  double rate() const { return rates_[index_]; }
  // 1 for a rate's first attempt, 2 for its repeat, ...
  int attempt() const { return misses_ + 1; }
  // The outcome of the attempt at rate(). REQUIRES: !done().
  void Record(bool passed);
  // The highest rate that passed; 0 when none did.
  double capacity() const { return capacity_; }

 private:
  const std::vector<double> rates_;
  const int misses_to_stop_;
  std::size_t index_ = 0;
  int misses_ = 0;  // in a row, at rates_[index_]
  double capacity_ = 0;
  bool stopped_ = false;
};

}  // namespace roseyd::loadgen
