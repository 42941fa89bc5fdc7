#include "service/read_barrier.h"

#include <algorithm>
#include <utility>

namespace roseyd::service {

ReadBarrier::ReadBarrier(bus::StreamConsumer* stream, Applied applied)
    : stream_(stream), applied_(std::move(applied)), thread_([this] { Run(); }) {}

ReadBarrier::~ReadBarrier() { Stop(); }

void ReadBarrier::Stop() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    query_cv_.Signal();
    answered_cv_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

void ReadBarrier::Arrived(TimePoint arrived) {
  MutexLock lock(&mu_);
  NoteArrival(arrived);
}

void ReadBarrier::NoteArrival(TimePoint arrived) {
  if (arrived <= latest_arrival_) return;
  latest_arrival_ = arrived;
  // A query sent at or after `arrived` serves it; one sent before may not.
  if (arrived > last_sent_) query_cv_.Signal();
}

uint64_t ReadBarrier::Wait(TimePoint arrived, uint64_t arrival_seq, TimePoint deadline) {
  uint64_t end = 0;
  {
    MutexLock lock(&mu_);
    NoteArrival(arrived);  // in case Arrived was not called
    ++waiting_;
    while (answered_sent_ < arrived && !stopping_) {
      if (!answered_cv_.WaitUntil(deadline)) break;
    }
    --waiting_;
    if (answered_sent_ < arrived || !answered_status_.ok()) return arrival_seq;
    end = answered_end_;
  }
  return std::max(arrival_seq, applied_(end, deadline));
}

void ReadBarrier::Run() {
  MutexLock lock(&mu_);
  for (;;) {
    while (!stopping_ && latest_arrival_ <= last_sent_) query_cv_.Wait();
    if (stopping_) return;
    const TimePoint sent = std::chrono::steady_clock::now();
    last_sent_ = sent;
    ++queries_;
    bus::StreamState state;
    mu_.Unlock();
    Status s = stream_->GetStreamState(&state);
    mu_.Lock();
    answered_sent_ = sent;
    answered_status_ = std::move(s);
    answered_end_ = state.last_seq;
    answered_cv_.SignalAll();
  }
}

uint64_t ReadBarrier::Queries() const {
  MutexLock lock(&mu_);
  return queries_;
}

int ReadBarrier::Waiting() const {
  MutexLock lock(&mu_);
  return waiting_;
}

}  // namespace roseyd::service
