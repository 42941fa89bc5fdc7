#include "service/follower_intake.h"

#include <utility>

namespace roseyd::service {

FollowerIntake::FollowerIntake(std::unique_ptr<Intake> requests,
                               std::unique_ptr<bus::StreamConsumer> stream)
    : requests_(std::move(requests)),
      stream_(std::move(stream)),
      // The stream's end is the sequence to wait for: FollowerSink's are
      // stream sequences.
      barrier_(stream_ ? std::make_unique<ReadBarrier>(
                             stream_.get(),
                             [](uint64_t stream_end, std::chrono::steady_clock::time_point) {
                               return stream_end;
                             })
                       : nullptr) {}

uint64_t FollowerIntake::RequestBarrier(uint64_t arrival_seq,
                                        std::chrono::steady_clock::time_point arrived,
                                        std::chrono::steady_clock::time_point deadline) {
  return barrier_ ? barrier_->Wait(arrived, arrival_seq, deadline) : arrival_seq;
}

}  // namespace roseyd::service
