#include "service/follower_intake.h"

#include <algorithm>
#include <utility>

namespace roseyd::service {

FollowerIntake::FollowerIntake(std::unique_ptr<Intake> requests,
                               std::unique_ptr<bus::StreamConsumer> stream)
    : requests_(std::move(requests)), stream_(std::move(stream)) {}

uint64_t FollowerIntake::RequestBarrier(uint64_t arrival_seq,
                                        std::chrono::steady_clock::time_point /*deadline*/) {
  bus::StreamState state;
  if (!stream_ || !stream_->GetStreamState(&state).ok()) return arrival_seq;
  return std::max(arrival_seq, state.last_seq);
}

}  // namespace roseyd::service
