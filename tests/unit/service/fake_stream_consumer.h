#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/mutex.h"
#include "bus/stream_consumer.h"

namespace roseyd::service {

// A StreamConsumer whose deliveries the test makes: Deliver hands a message
// to the handler of the latest successful Reset, on the calling thread, as
// the delivery thread would.
//
// Thread: thread-safe.
class FakeStreamConsumer : public bus::StreamConsumer {
 public:
  // The acknowledgement subject a JetStream server would give stream
  // sequence `seq`.
  static std::string AckSubject(uint64_t seq) {
    return "$JS.ACK.ROSEY_DB.roseyd.1." + std::to_string(seq) + "." + std::to_string(seq) +
           ".1700000000000000000.0";
  }

  Status GetStreamState(bus::StreamState* state) override {
    MutexLock lock(&mu_);
    if (!state_available_) return Status::Unavailable("no stream info");
    *state = state_;
    return Status::OK();
  }
  Status Reset(uint64_t start_seq, bus::MessageHandler handler) override {
    MutexLock lock(&mu_);
    resets_.push_back(start_seq);
    handler_ = nullptr;
    if (failing_resets_ > 0) {
      --failing_resets_;
      return Status::Unavailable("consumer refused");
    }
    handler_ = std::move(handler);
    return Status::OK();
  }
  Status Drain(std::chrono::milliseconds timeout) override {
    MutexLock lock(&mu_);
    drains_.push_back(timeout);
    handler_ = nullptr;
    return Status::OK();
  }
  Status AckThrough(std::string_view ack_subject) override {
    MutexLock lock(&mu_);
    acks_.emplace_back(ack_subject);
    return Status::OK();
  }

  void SetState(uint64_t first_seq, uint64_t last_seq) {
    MutexLock lock(&mu_);
    state_ = bus::StreamState{first_seq, last_seq, last_seq == 0 ? 0 : last_seq - first_seq + 1};
  }
  void SetStateAvailable(bool available) {
    MutexLock lock(&mu_);
    state_available_ = available;
  }
  void FailNextResets(int count) {
    MutexLock lock(&mu_);
    failing_resets_ = count;
  }

  // The current delivery's handler (empty after Drain or a failed Reset).
  bus::MessageHandler Handler() const {
    MutexLock lock(&mu_);
    return handler_;
  }
  // Delivers stream sequence `seq` through `handler` (default: the current one).
  void Deliver(uint64_t seq, const std::string& subject, const std::string& payload,
               bus::MessageHandler handler = nullptr) const {
    if (!handler) handler = Handler();
    if (!handler) return;
    const std::string reply = AckSubject(seq);
    handler(bus::Message{subject, reply, payload, ""});
  }

  std::vector<uint64_t> Resets() const {
    MutexLock lock(&mu_);
    return resets_;
  }
  std::vector<std::string> Acks() const {
    MutexLock lock(&mu_);
    return acks_;
  }
  std::vector<std::chrono::milliseconds> Drains() const {
    MutexLock lock(&mu_);
    return drains_;
  }

 private:
  mutable Mutex mu_;
  bus::StreamState state_ GUARDED_BY(mu_);
  bool state_available_ GUARDED_BY(mu_) = true;
  int failing_resets_ GUARDED_BY(mu_) = 0;
  bus::MessageHandler handler_ GUARDED_BY(mu_);
  std::vector<uint64_t> resets_ GUARDED_BY(mu_);
  std::vector<std::string> acks_ GUARDED_BY(mu_);
  std::vector<std::chrono::milliseconds> drains_ GUARDED_BY(mu_);
};

}  // namespace roseyd::service
