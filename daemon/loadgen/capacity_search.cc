#include "loadgen/capacity_search.h"

#include <utility>

namespace roseyd::loadgen {

CapacitySearch::CapacitySearch(std::vector<double> rates, int misses_to_stop)
    : rates_(std::move(rates)), misses_to_stop_(misses_to_stop) {}

void CapacitySearch::Record(bool passed) {
  if (done()) return;
  if (passed) {
    capacity_ = rates_[index_];
    ++index_;
    misses_ = 0;
    return;
  }
  if (++misses_ >= misses_to_stop_) stopped_ = true;
}

}  // namespace roseyd::loadgen
