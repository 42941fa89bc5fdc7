#include "service/follower_sink.h"

#include <thread>
#include <utility>

namespace roseyd::service {

FollowerSink::FollowerSink(std::unique_ptr<store::PositionReader> reader, std::string stream,
                           std::chrono::milliseconds poll)
    : stream_(std::move(stream)), poll_(poll), reader_(std::move(reader)) {}

Status FollowerSink::Submit(store::Event /*event*/, uint64_t* /*seq*/) {
  return Status::Unavailable("this roseyd does not write: another one holds the writer's claim");
}

uint64_t FollowerSink::LastCommitted() const {
  MutexLock lock(&mu_);
  return position_;
}

Status FollowerSink::WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    {
      MutexLock lock(&mu_);
      if (position_ >= seq) return Status::OK();
      uint64_t position = 0;
      if (Status s = reader_->StreamPosition(stream_, &position); !s.ok()) return s;
      position_ = std::max(position_, position);
      if (position_ >= seq) return Status::OK();
    }
    if (std::chrono::steady_clock::now() + poll_ > deadline) {
      return Status::Unavailable("the writing roseyd had not committed stream sequence " +
                                 std::to_string(seq) + " in time");
    }
    std::this_thread::sleep_for(poll_);
  }
}

}  // namespace roseyd::service
