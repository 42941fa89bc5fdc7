#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/mutex.h"
#include "store/event_sink.h"
#include "store/reader.h"

namespace roseyd::service {

// The EventSink of a roseyd that does not write, because another roseyd on
// the same database holds the writer's claim. It takes no events; its
// sequence numbers are stream sequences, and "committed" is the stream
// position the writer has committed, read from the store. A read request's
// read-your-writes wait on a follower is thus a wait for the writer.
//
// Thread: thread-safe; the reader is used by one caller at a time.
class FollowerSink : public store::EventSink {
 public:
  // Reads the position of stream `stream` through `reader`, at most every
  // `poll` while someone waits.
  FollowerSink(std::unique_ptr<store::PositionReader> reader, std::string stream,
               std::chrono::milliseconds poll = std::chrono::milliseconds(2));

  // Unavailable: only the writer takes events (they are not routed here).
  Status Submit(store::Event event, uint64_t* seq = nullptr) override;
  uint64_t LastSubmitted() const override { return 0; }
  bool TakesWrites() const override { return false; }
  uint64_t LastCommitted() const override EXCLUDES(mu_);
  uint64_t StreamPosition() const override { return LastCommitted(); }
  // Until the writer's committed stream position reaches `seq`.
  Status WaitCommitted(uint64_t seq, std::chrono::steady_clock::time_point deadline) override
      EXCLUDES(mu_);
  size_t QueueDepth() const override { return 0; }
  void InterruptWaits() noexcept override { reader_->Interrupt(); }

 private:
  const std::string stream_;
  const std::chrono::milliseconds poll_;
  // Used under mu_, one caller at a time; Interrupt() from any thread.
  const std::unique_ptr<store::PositionReader> reader_;
  mutable Mutex mu_;
  uint64_t position_ GUARDED_BY(mu_) = 0;  // as last read
};

}  // namespace roseyd::service
