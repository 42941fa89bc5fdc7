#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/mutex.h"

namespace roseyd::service {

// Which events the bus carried that the stream never stored, one by one: the
// witness's copy of each event on the stream's subjects, matched against the
// stream's deliveries to the durable intake by content (subject and payload;
// two identical events are two of the same). StreamWitness writes the
// unmatched ones back into the stream, so that a stream leader's election
// loses nothing (docs/FAULTS.md, 5k).
//
// When is an event unmatched for good? The witness asks the stream where it
// ends (Checkpoint: sequence S, asked at t). Every event seen before t, less
// kInFlight for one still on its way to the stream's leader, was stored at or
// before S if at all. So once the intake has been handed S, an event seen
// before then with no matching delivery was never stored.
//
// A delivery with no witnessed event yet (the stream can hand it over before
// the witness sees it) waits as a credit; one never matched (an event from
// before Begin, a publisher the witness cannot see) is forgotten after
// kStrayCredit. The witnessed events kept are bounded by `max_bytes`: past it
// the oldest are dropped unjudged and counted (a stalled intake judges none).
//
// Thread: thread-safe; Witnessed is called on the witness subscription's
// thread, Delivered on the intake's delivery thread, the rest on the
// witness's comparison thread.
class StreamLedger {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  static constexpr std::chrono::milliseconds kInFlight{250};
  static constexpr std::chrono::seconds kStrayCredit{10};
  static constexpr size_t kMaxCheckpoints = 256;

  struct Event {
    std::string subject;
    std::string payload;
    uint64_t ordinal = 0;  // the how-manyth event the ledger witnessed: unique per ledger
    TimePoint seen;
  };

  explicit StreamLedger(size_t max_bytes = size_t{64} << 20);

  StreamLedger(const StreamLedger&) = delete;
  StreamLedger& operator=(const StreamLedger&) = delete;

  // Deliveries count from after `stream_last`, where the stream ended before
  // the witness subscribed; until Begin none do.
  void Begin(uint64_t stream_last) EXCLUDES(mu_);
  void Witnessed(std::string_view subject, std::string_view payload, TimePoint now) EXCLUDES(mu_);
  void Delivered(std::string_view subject, std::string_view payload, uint64_t seq, TimePoint now)
      EXCLUDES(mu_);
  // The stream ended at `stream_last` when asked at `asked_at`.
  void Checkpoint(uint64_t stream_last, TimePoint asked_at) EXCLUDES(mu_);

  // The events now known never to have been stored, oldest first; the ledger
  // forgets them and every event judged stored.
  std::vector<Event> TakeUnstored() EXCLUDES(mu_);
  // Witnessed events dropped unjudged since the last call (over max_bytes).
  int64_t TakeDropped() EXCLUDES(mu_);
  // Witnessed events not yet judged.
  size_t Pending() const EXCLUDES(mu_);

 private:
  struct Seen {
    uint64_t key;
    Event event;
  };
  struct Credit {
    int64_t count = 0;
    TimePoint last;
  };
  struct Stop {
    uint64_t stream_last;
    TimePoint asked_at;
  };

  static uint64_t KeyOf(std::string_view subject, std::string_view payload);
  static size_t BytesOf(const Seen& seen);

  const size_t max_bytes_;
  mutable Mutex mu_;
  bool begun_ GUARDED_BY(mu_) = false;
  uint64_t begin_after_ GUARDED_BY(mu_) = 0;
  uint64_t delivered_through_ GUARDED_BY(mu_) = 0;
  uint64_t next_ordinal_ GUARDED_BY(mu_) = 1;
  size_t bytes_ GUARDED_BY(mu_) = 0;
  int64_t dropped_ GUARDED_BY(mu_) = 0;
  std::deque<Seen> seen_ GUARDED_BY(mu_);  // in the order witnessed
  std::unordered_map<uint64_t, Credit> credits_ GUARDED_BY(mu_);
  std::deque<Stop> checkpoints_ GUARDED_BY(mu_);
};

}  // namespace roseyd::service
