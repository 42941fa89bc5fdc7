#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "bus/stream_consumer.h"
#include "service/intake.h"
#include "service/read_barrier.h"

namespace roseyd::service {

// The intake of a roseyd that does not write (see FollowerSink): the read
// requests alone, through `requests` (a CoreIntake on their subjects), so
// that events and write requests reach only the writing roseyd.
//
// Its read-your-writes barrier: with durable intake, the stream's end when
// the request arrived (a ReadBarrier: one query for the reads waiting), a
// stream sequence, which FollowerSink then waits for the writer to commit. On core NATS nothing orders an event received by
// another roseyd before a request received here, so there is nothing to wait
// for: a read sees what the writer has committed.
//
// Thread: as Intake.
class FollowerIntake : public Intake {
 public:
  // `stream` (nullptr on core NATS) is only asked where it ends, never read.
  FollowerIntake(std::unique_ptr<Intake> requests, std::unique_ptr<bus::StreamConsumer> stream);

  void Start() override { requests_->Start(); }
  void Stop(std::chrono::milliseconds timeout) override { requests_->Stop(timeout); }
  uint64_t RequestBarrier(uint64_t arrival_seq, std::chrono::steady_clock::time_point arrived,
                          std::chrono::steady_clock::time_point deadline) override;
  void ReadArrived(std::chrono::steady_clock::time_point arrived) override {
    if (barrier_) barrier_->Arrived(arrived);
  }
  void Tick() override { requests_->Tick(); }

 private:
  const std::unique_ptr<Intake> requests_;
  const std::unique_ptr<bus::StreamConsumer> stream_;
  const std::unique_ptr<ReadBarrier> barrier_;  // null on core NATS
};

}  // namespace roseyd::service
